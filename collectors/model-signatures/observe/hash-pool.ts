import type { Worker } from 'node:worker_threads';

/**
 * Hashing threads kept between calls. Starting one is a Node environment and a module load: about 100 ms
 * of CPU per thread on the 2-core machine of issue 4, as much as hashing 150 MB, paid again for every
 * model of a run. Idle threads are unref'd, so they never keep the process alive, and end after idleMs
 * without work, so a daemon holds none between its runs.
 */
export class HashPool {
  private readonly idle: Worker[] = [];
  /** Threads beyond `keep`, on their way out; close() waits for them too. */
  private readonly ending = new Set<Promise<number>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly create: () => Worker,
    private readonly idleMs: number,
    private readonly keep: number,
  ) {}

  /** `count` threads for one call: idle ones first, new ones for the rest. May throw when a thread cannot start. */
  take(count: number): Worker[] {
    this.stopTimer();
    const workers = this.idle.splice(0, count);
    try {
      while (workers.length < count) workers.push(this.spawn());
    } catch (error) {
      this.give(workers);
      throw error;
    }
    for (const w of workers) w.ref();
    return workers;
  }

  /** Threads whose call ended with every reply in: nothing of that call is left in them. */
  give(workers: Worker[]): void {
    for (const w of workers) {
      w.unref();
      if (this.idle.length < this.keep) {
        this.idle.push(w);
      } else {
        const ended = w.terminate();
        this.ending.add(ended);
        void ended.finally(() => this.ending.delete(ended));
      }
    }
    this.stopTimer();
    if (this.idle.length > 0) {
      this.timer = setTimeout(() => void this.close(), this.idleMs);
      this.timer.unref();
    }
  }

  /** Ends the idle threads now, and waits for those already ending. */
  async close(): Promise<void> {
    this.stopTimer();
    await Promise.allSettled([...this.idle.splice(0).map((w) => w.terminate()), ...this.ending]);
  }

  private spawn(): Worker {
    const worker = this.create();
    // A thread that stops or fails while idle is dropped; while a call holds it, the call's own listeners report it.
    const drop = () => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    };
    worker.on('exit', drop);
    worker.on('error', drop);
    return worker;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
