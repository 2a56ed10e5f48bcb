import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { BulkReadReply, BulkReadRequest, BulkReadWorkerData } from './file-read.js';
import { assertValidKey, StoreError } from './types.js';

/** Keys per message to the worker: enough that a message costs little beside its reads, few enough to keep memory flat. */
const BATCH = 128;
/** Batches asked for ahead of the one being yielded, so the worker is never waiting on the reader. */
const AHEAD = 3;

function workerUrl(): URL {
  const compiled = new URL('./file-read.js', import.meta.url);
  return existsSync(compiled) ? compiled : new URL('./file-read.ts', import.meta.url);
}

/**
 * A FileStore's bulk reads: one worker thread opens, checks and reads the files (file-read.ts, the same code as get),
 * so a reader's thread spends its time on what it does with the bytes, not in system calls. The thread starts on the
 * first read and is unref'd while no read waits on it, so it never keeps the process alive.
 */
export class BulkReader {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (reply: BulkReadReply) => void; reject: (err: Error) => void }>();
  private nextId = 0;

  constructor(private readonly root: string) {}

  /** Each key with its bytes (null when there is no object), in the keys' order; stops with the error get would raise. */
  async *read(keys: AsyncIterable<string> | Iterable<string>): AsyncIterable<{ key: string; bytes: Uint8Array | null }> {
    const asked: { keys: string[]; reply: Promise<BulkReadReply> }[] = [];
    let batch: string[] = [];
    const send = () => {
      const reply = this.request(batch);
      // A failure is seen when its batch's turn comes; until then it must not count as unhandled.
      reply.catch(() => undefined);
      asked.push({ keys: batch, reply });
      batch = [];
    };
    for await (const key of keys) {
      try {
        assertValidKey(key);
      } catch (err) {
        // Raised in its place, after the keys before it, as a get of each in turn would.
        if (batch.length > 0) send();
        while (asked.length > 0) yield* this.results(asked.shift()!);
        throw err;
      }
      batch.push(key);
      if (batch.length < BATCH) continue;
      send();
      if (asked.length > AHEAD) yield* this.results(asked.shift()!);
    }
    if (batch.length > 0) send();
    while (asked.length > 0) yield* this.results(asked.shift()!);
  }

  private async *results({ keys, reply }: { keys: string[]; reply: Promise<BulkReadReply> }): AsyncIterable<{ key: string; bytes: Uint8Array | null }> {
    const { bytes, sizes, failure } = await reply;
    let at = 0;
    for (let i = 0; i < sizes.length; i++) {
      const size = sizes[i]!;
      // A copy of its own, as get gives: a record a reader keeps (a sample's) then holds its bytes, not its whole reply's.
      yield { key: keys[i]!, bytes: size < 0 ? null : Buffer.from(new Uint8Array(bytes, at, size)) };
      at += Math.max(size, 0);
    }
    if (!failure) return;
    if (failure.refused) throw new StoreError(failure.message);
    // As get raises it: the system's error, which names the file.
    throw Object.assign(new Error(failure.message), { code: failure.code });
  }

  private request(keys: string[]): Promise<BulkReadReply> {
    const worker = this.started();
    const id = this.nextId++;
    const message: BulkReadRequest = { id, keys };
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(message);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const workerData: BulkReadWorkerData = { fileStoreRoot: this.root };
    // No execArgv of the parent's (--import, --cpu-prof, --inspect): the thread only reads files.
    const worker = new Worker(workerUrl(), { workerData, execArgv: [], name: 'file-store-read' });
    worker.unref();
    worker.on('message', (reply: BulkReadReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      waiter?.resolve(reply);
    });
    const failed = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      const waiters = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of waiters) w.reject(new StoreError(`cannot read from ${this.root}: its reading thread stopped (${err.message})`, { cause: err }));
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
