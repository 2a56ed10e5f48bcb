import { chmod, type FileHandle, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../../src/collector/contract.js';

/** The receiver's spool: one NDJSON file per UTC day of receipt, named so that name order is time order. */
const SPOOL_FILE = /^events-\d{4}-\d{2}-\d{2}\.ndjson$/;

function spoolFileName(at: Date): string {
  return `events-${at.toISOString().slice(0, 10)}.ndjson`;
}

/** The spool files in time order; none when the folder does not exist (nothing was received yet). */
export async function spoolFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  return names
    .filter((n) => SPOOL_FILE.test(n))
    .sort()
    .map((n) => join(dir, n));
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Appends received events to the spool, one line each, and returns only once
 * the line is on disk (fsync; the folder too when a file is new). Appends run
 * one at a time, so lines never interleave. A line cut short by a crash is
 * ended with a newline before the next append, so it stays one bad line
 * (never acknowledged to its sender) and the next event is whole.
 */
export class SpoolWriter {
  private current: { name: string; handle: FileHandle } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly clock: Clock,
  ) {}

  /** Creates the folder (0700: the events may name internal systems) if it is not there. */
  static async open(dir: string, clock: Clock): Promise<SpoolWriter> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new SpoolWriter(dir, clock);
  }

  append(line: string): Promise<void> {
    const done = this.queue.then(() => this.write(`${line}\n`));
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async write(line: string): Promise<void> {
    const name = spoolFileName(this.clock.now());
    try {
      const handle = await this.fileFor(name);
      await handle.write(line);
      await handle.sync();
    } catch (err) {
      // Whatever the write left behind is checked again (and ended) before the next append.
      await this.release();
      throw err;
    }
  }

  private async fileFor(name: string): Promise<FileHandle> {
    if (this.current?.name === name) return this.current.handle;
    await this.release();
    const path = join(this.dir, name);
    const handle = await open(path, 'a+', 0o600);
    const { size } = await handle.stat();
    if (size === 0) {
      await syncFolder(this.dir);
    } else {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        await handle.write('\n');
        await handle.sync();
      }
    }
    this.current = { name, handle };
    return handle;
  }

  private async release(): Promise<void> {
    const current = this.current;
    this.current = null;
    await current?.handle.close().catch(() => undefined);
  }

  /** Waits for appends in flight, then closes the file. */
  async close(): Promise<void> {
    await this.queue;
    await this.release();
  }
}
