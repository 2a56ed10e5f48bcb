/**
 * Worker thread of hash-model.ts: hashes byte ranges of files, one task at a time.
 *
 * It imports only node: built-ins (and types, which are erased): under vitest this file runs from its
 * TypeScript source through Node's type stripping, which loads './x.js' literally and would not find
 * a sibling that exists only as './x.ts'. For the same reason it uses only erasable syntax.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, read, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface HashWorkerData {
  /** Bytes per synchronous read, while the page cache serves the file. */
  readSize: number;
  /** Bytes per read-ahead read, once the file comes from the disk. */
  readAheadSize: number;
  /** Read-ahead reads in flight while one chunk is hashed. */
  readAheadDepth: number;
  /** A synchronous read that copies no faster than this waited for the disk. */
  slowReadBytesPerMs: number;
  /** Two slow reads at most this many reads apart: the file comes from the disk, read the rest of it ahead. */
  slowReadWindow: number;
}

export interface HashTask {
  id: number;
  path: string;
  start: number;
  /** Exclusive; null hashes to the end of the file, however long it is by then. */
  end: number | null;
  /** One BigInt64 of the call that every worker adds the bytes it hashes to, so progress costs no messages. */
  progress: SharedArrayBuffer;
}

export type HashReply = { id: number; digest: string; size: number } | { id: number; error: { message: string; code: string | undefined } };

const port = parentPort;
if (!port) throw new Error('hash-worker runs only as a worker thread of hash-model');
const { readSize, readAheadSize, readAheadDepth, slowReadBytesPerMs, slowReadWindow } = workerData as HashWorkerData;
// Buffers live as long as the worker, so memory stays flat whatever the model size; the read-ahead ring
// is made only once some file turns out not to be cached.
const syncBuffer = Buffer.allocUnsafeSlow(readSize);
let ring: Buffer[] | undefined;

// Tasks arrive one at a time (the pool waits for each reply), so hashRange never runs twice at once.
port.on('message', (task: HashTask) => void hashRange(task).then((reply) => port.postMessage(reply)));

/**
 * Synchronous reads are the fastest way through cached files: the copy and the hash run back to back on
 * one core. From the disk they leave it idle while a chunk is hashed, so once reads keep coming out slow
 * the rest of the file is read ahead on libuv's threads: large reads, a few in flight, in file order.
 * A single slow read proves nothing: on a busy machine a cached read now and then takes a millisecond,
 * while an uncached file with the kernel's own read-ahead gives a slow read at its start and then one
 * every read-ahead window (measured: reads 0, 2, 14, 30, …).
 */
async function hashRange(task: HashTask): Promise<HashReply> {
  let fd: number | undefined;
  let ahead: ReadAhead | undefined;
  try {
    fd = openSync(task.path, 'r');
    const hash = createHash('sha256');
    const bytesDone = new BigInt64Array(task.progress);
    const end = task.end ?? Number.POSITIVE_INFINITY;
    let position = task.start;
    let reads = 0;
    let lastSlowRead = Number.NEGATIVE_INFINITY;
    while (position < end) {
      let chunk: Buffer;
      let asked: number;
      let slow = false;
      if (ahead) {
        ({ chunk, asked } = await ahead.take());
      } else {
        asked = Math.min(readSize, end - position);
        const started = performance.now();
        chunk = syncBuffer.subarray(0, readSync(fd, syncBuffer, 0, asked, position));
        // A short read is the end of the file: nothing left to read ahead.
        slow = chunk.length === asked && performance.now() - started >= chunk.length / slowReadBytesPerMs;
      }
      if (chunk.length === 0) {
        if (task.end === null) break;
        throw Object.assign(new Error(`${task.path}: the file became shorter while it was hashed (${position} < ${task.end} bytes)`), {
          code: 'ESHORT',
        });
      }
      hash.update(chunk);
      position += chunk.length;
      Atomics.add(bytesDone, 0, BigInt(chunk.length));
      if (ahead && chunk.length < asked) {
        // The reads queued behind a short one start past a gap: drop them and go on in order.
        await ahead.drain();
        ahead = undefined;
      } else if (slow) {
        if (reads - lastSlowRead <= slowReadWindow) ahead = new ReadAhead(fd, position, end);
        lastSlowRead = reads;
      }
      reads++;
    }
    return { id: task.id, digest: hash.digest('hex'), size: position - task.start };
  } catch (error) {
    const { message, code } = error as NodeJS.ErrnoException;
    return { id: task.id, error: { message, code } };
  } finally {
    // A read still in flight must not land on a descriptor number that was closed and reused.
    await ahead?.drain();
    if (fd !== undefined) closeSync(fd);
  }
}

/** Keeps readAheadDepth reads in flight ahead of the chunk being hashed, each into its own ring buffer. */
class ReadAhead {
  private readonly queue: Array<{ buffer: Buffer; asked: number; done: Promise<number> }> = [];
  private readonly fd: number;
  private readonly end: number;
  private next: number;
  private issued = 0;

  constructor(fd: number, position: number, end: number) {
    this.fd = fd;
    this.next = position;
    this.end = end;
    ring ??= Array.from({ length: readAheadDepth + 1 }, () => Buffer.allocUnsafeSlow(readAheadSize));
    for (let i = 0; i < readAheadDepth; i++) this.issue();
  }

  /** The next chunk in file order; the ring buffer it is in stays untouched until the following take(). */
  async take(): Promise<{ chunk: Buffer; asked: number }> {
    const head = this.queue.shift()!;
    const n = await head.done;
    this.issue();
    return { chunk: head.buffer.subarray(0, n), asked: head.asked };
  }

  drain(): Promise<unknown> {
    return Promise.allSettled(this.queue.map((q) => q.done));
  }

  private issue(): void {
    if (this.next >= this.end) return;
    // With depth+1 buffers, the one handed out by take() is never the one a new read goes into.
    const buffer = ring![this.issued++ % ring!.length]!;
    const asked = Math.min(readAheadSize, this.end - this.next);
    const position = this.next;
    this.next += asked;
    const done = new Promise<number>((resolve, reject) => read(this.fd, buffer, 0, asked, position, (error, n) => (error ? reject(error) : resolve(n))));
    // take() reports the error when its turn comes; until then it must not count as unhandled, which
    // would kill the thread instead.
    done.catch(() => undefined);
    this.queue.push({ buffer, asked, done });
  }
}
