import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compareModelNames } from '../format/resource-order.js';
import { HashPool } from './hash-pool.js';
import type { HashReply, HashTask, HashWorkerData } from './hash-worker.js';
import type { ModelFile } from './model-files.js';

export interface ResourceDigest {
  /** The file's name (files method), or `${name}:${start}:${end}` (shards method). */
  name: string;
  /** Lowercase hex SHA-256. */
  digest: string;
  /** Bytes hashed. */
  size: number;
}

export interface HashOptions {
  method: 'files' | 'shards';
  /** Bytes per shard (shards method); default 1,000,000,000, the OpenSSF tool's default. */
  shardSize?: number | undefined;
  /** Worker threads; default os.availableParallelism(). */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called at most about ten times a second, and once at the end. */
  onProgress?: ((bytesDone: number, bytesTotal: number) => void) | undefined;
}

export interface HashResult {
  /** Ordered as the OpenSSF tool orders resources: by file name (compareModelNames), then by shard start. */
  resources: ResourceDigest[];
  totalBytes: number;
  seconds: number;
}

/** A file could not be read while it was hashed (gone, unreadable, changed size). */
export class ModelHashError extends Error {
  override readonly name = 'ModelHashError';
  constructor(
    message: string,
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export const DEFAULT_SHARD_SIZE = 1_000_000_000;
// Measured on the 2-core machine of issue 4 (bench/model-hash.ts): from the page cache, synchronous
// 1 MiB reads beat larger or asynchronous ones (up to 8% faster). From the disk, the bytes in flight per
// file count, in a few runs each against `cat`: 8 MiB (two 4 MiB reads) 0.91-1.05x, 12 MiB (six 2 MiB
// reads) 0.96-1.19x, 16 MiB (four 4 MiB or eight 2 MiB reads) 0.92-1.35x for 4-6 MiB more of buffers a
// worker; synchronous reads about 0.8x. The disk's own speed moves by 10-30% between runs here.
const READ_SIZE = 1 << 20;
const READ_AHEAD_SIZE = 2 << 20;
const READ_AHEAD_DEPTH = 6;
// The page cache copies at several GB/s: a read slower than 1 GB/s waited for the disk.
const SLOW_READ_BYTES_PER_MS = 1e6;
// Cold files here gave a slow read every 16 or fewer; a warm file, one in hundreds at most.
const SLOW_READ_WINDOW = 32;
const PROGRESS_INTERVAL_MS = 100;

interface Job extends Omit<HashTask, 'progress'> {
  name: string;
  length: number;
}

/**
 * Hashes files in worker threads, each reading large chunks into buffers it reuses (1 MiB, plus 14 MiB
 * once it meets a file that is not cached), so memory stays flat for any model size. Files method: one
 * resource per file, named by the file's name. Shards method: one resource per [start, end) range of
 * shardSize bytes, named `${name}:${start}:${end}`; empty files give no shard. Work is handed out largest first to whichever worker is free, so one big file overlaps the
 * rest instead of coming last. The threads are kept for the next call (see HashPool); on failure or
 * abort (which rejects with the signal's reason) the call's threads are terminated before it settles.
 */
export async function hashModelFiles(files: ModelFile[], options: HashOptions): Promise<HashResult> {
  const started = performance.now();
  const jobs = planJobs(files, options);
  options.signal?.throwIfAborted();
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);

  const replies = jobs.length ? await runPool(jobs, Math.min(concurrency, jobs.length), options) : [];
  const resources = jobs.map((job, i) => ({ name: job.name, digest: replies[i]!.digest, size: replies[i]!.size }));
  return {
    resources,
    totalBytes: resources.reduce((sum, r) => sum + r.size, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Hashes one stream (an object from S3 or GCS) as it arrives. */
export async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { digest: hash.digest('hex'), size };
}

/** The jobs in result order; a job's id is its index. */
function planJobs(files: ModelFile[], options: HashOptions): Job[] {
  const sorted = [...files].sort((a, b) => compareModelNames(a.name, b.name));
  if (options.method === 'files') {
    return sorted.map((f, id) => ({ id, name: f.name, path: f.path, start: 0, end: null, length: f.size }));
  }
  if (options.method !== 'shards') throw new RangeError(`unknown hashing method: ${String(options.method)}`);
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (!Number.isSafeInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize must be a positive integer, got ${shardSize}`);
  const jobs: Job[] = [];
  for (const f of sorted) {
    for (let start = 0; start < f.size; start += shardSize) {
      const end = Math.min(start + shardSize, f.size);
      jobs.push({ id: jobs.length, name: `${f.name}:${start}:${end}`, path: f.path, start, end, length: end - start });
    }
  }
  return jobs;
}

type Digested = Extract<HashReply, { digest: string }>;

const WORKER_DATA: HashWorkerData = {
  readSize: READ_SIZE,
  readAheadSize: READ_AHEAD_SIZE,
  readAheadDepth: READ_AHEAD_DEPTH,
  slowReadBytesPerMs: SLOW_READ_BYTES_PER_MS,
  slowReadWindow: SLOW_READ_WINDOW,
};
// Long enough for the models of one run and for checks made one after another; a daemon's runs are further apart.
const IDLE_MS = 30_000;
const pool = new HashPool(() => new Worker(workerUrl(), { workerData: WORKER_DATA, name: 'model-hash' }), IDLE_MS, availableParallelism());

/** Ends the hashing threads kept for the next call (they would end by themselves after a while idle). */
export function closeHashPool(): Promise<void> {
  return pool.close();
}

function runPool(jobs: Job[], size: number, options: HashOptions): Promise<Digested[]> {
  const { signal, onProgress } = options;
  const bytesTotal = jobs.reduce((sum, job) => sum + job.length, 0);
  // Largest first (stable, so equal sizes keep name order): the longest file starts at once and the small
  // ones fill the other workers around it.
  const queue = [...jobs].sort((a, b) => b.length - a.length);
  const results = new Array<Digested>(jobs.length);
  let remaining = jobs.length;
  const progress = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  const bytesDone = new BigInt64Array(progress);

  return new Promise<Digested[]>((resolve, reject) => {
    let workers: Worker[];
    try {
      workers = pool.take(size);
    } catch (error) {
      reject(error);
      return;
    }
    let settled = false;
    let lastReported = -1;
    /** Null when reported; a progress callback that throws fails the call, at a report on the way or at the last one. */
    const report = (): { error: unknown } | null => {
      const done = Number(Atomics.load(bytesDone, 0));
      if (done === lastReported) return null;
      lastReported = done;
      try {
        // A file that grew since it was listed may push done past the listed total.
        onProgress?.(done, Math.max(done, bytesTotal));
        return null;
      } catch (error) {
        return { error };
      }
    };
    const timer = onProgress
      ? setInterval(() => {
          const failed = report();
          if (failed) settle(failed.error, false);
        }, PROGRESS_INTERVAL_MS)
      : undefined;

    const listeners = new Map<Worker, { message: (reply: HashReply) => void; error: (error: Error) => void; exit: (code: number) => void }>();
    const settle = (error: unknown, ok: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const [w, l] of listeners) w.off('message', l.message).off('error', l.error).off('exit', l.exit);
      if (ok) {
        pool.give(workers);
        const failed = report();
        if (failed) reject(failed.error);
        else resolve(results);
        return;
      }
      // A failed or aborted call may leave a thread mid-file: those end, and the call settles once they are gone.
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => reject(error));
    };
    const onAbort = () => settle(signal?.reason, false);
    signal?.addEventListener('abort', onAbort, { once: true });

    let next = 0;
    const dispatch = (worker: Worker) => {
      const job = queue[next++];
      if (job) worker.postMessage({ id: job.id, path: job.path, start: job.start, end: job.end, progress } satisfies HashTask);
    };

    for (const worker of workers) {
      const l = {
        message: (reply: HashReply) => {
          if (settled) return;
          if ('error' in reply) {
            const job = jobs[reply.id]!;
            settle(new ModelHashError(reply.error.message, job.path, reply.error.code), false);
            return;
          }
          results[reply.id] = reply;
          if (--remaining === 0) settle(undefined, true);
          else dispatch(worker);
        },
        error: (error: Error) => settle(error, false),
        exit: (code: number) => settle(new Error(`a hashing worker thread stopped unexpectedly (exit code ${code})`), false),
      };
      listeners.set(worker, l);
      worker.on('message', l.message).on('error', l.error).on('exit', l.exit);
      dispatch(worker);
    }
  });
}

/**
 * Compiled, the worker is hash-worker.js next to this file. Under vitest this module runs from source and
 * there is no .js beside it; Node 24 runs the .ts worker itself by stripping its types.
 */
function workerUrl(): URL {
  const compiled = new URL('./hash-worker.js', import.meta.url);
  return existsSync(compiled) ? compiled : new URL('./hash-worker.ts', import.meta.url);
}
