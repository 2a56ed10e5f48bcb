/**
 * Worker thread of hash-model.ts: hashes byte ranges of files, one task at a time.
 *
 * It imports only node: built-ins (and types, which are erased): under vitest this file runs from its
 * TypeScript source through Node's type stripping, which loads './x.js' literally and would not find
 * a sibling that exists only as './x.ts'.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface HashWorkerData {
  /** Bytes per read. */
  chunkSize: number;
  /** One BigInt64 that every worker adds the bytes it hashes to, so progress costs no messages. */
  progress: SharedArrayBuffer;
}

export interface HashTask {
  id: number;
  path: string;
  start: number;
  /** Exclusive; null hashes to the end of the file, however long it is by then. */
  end: number | null;
}

export type HashReply =
  | { id: number; digest: string; size: number }
  | { id: number; error: { message: string; code: string | undefined } };

const port = parentPort;
if (!port) throw new Error('hash-worker runs only as a worker thread of hash-model');
const { chunkSize, progress } = workerData as HashWorkerData;
const bytesDone = new BigInt64Array(progress);
// One buffer for the life of the worker: memory stays flat whatever the model size. Synchronous reads
// suit a thread that has nothing else to do; kernel readahead overlaps the disk with hashing.
const buffer = Buffer.allocUnsafeSlow(chunkSize);

port.on('message', (task: HashTask) => port.postMessage(hashRange(task)));

function hashRange(task: HashTask): HashReply {
  let fd: number | undefined;
  try {
    fd = openSync(task.path, 'r');
    const hash = createHash('sha256');
    const end = task.end ?? Number.POSITIVE_INFINITY;
    let position = task.start;
    while (position < end) {
      const n = readSync(fd, buffer, 0, Math.min(chunkSize, end - position), position);
      if (n === 0) {
        if (task.end === null) break;
        throw Object.assign(new Error(`${task.path}: the file became shorter while it was hashed (${position} < ${task.end} bytes)`), {
          code: 'ESHORT',
        });
      }
      hash.update(buffer.subarray(0, n));
      position += n;
      Atomics.add(bytesDone, 0, BigInt(n));
    }
    return { id: task.id, digest: hash.digest('hex'), size: position - task.start };
  } catch (error) {
    const { message, code } = error as NodeJS.ErrnoException;
    return { id: task.id, error: { message, code } };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
