import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { compareModelNames } from '../format/resource-order.js';
import { closeHashPool, hashModelFiles, hashStream, ModelHashError } from '../observe/hash-model.js';
import type { HashReply, HashTask, HashWorkerData } from '../observe/hash-worker.js';
import { listModelFiles, type ModelFile, ModelFilesError } from '../observe/model-files.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const noIgnore = { ignorePaths: [], allowSymlinks: false };

/** Writes files (relative name → content) under a fresh folder and returns it. */
async function model(files: Record<string, Uint8Array | string>): Promise<string> {
  const root = await tempDir('ea-model-');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
  return root;
}

/** OS threads of this process (Linux): a worker thread that is still running shows up here. */
function threadCount(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

describe('listModelFiles', () => {
  it('walks nested folders and sorts names as the OpenSSF tool does', async () => {
    const names = ['b.txt', 'a/x', 'a-b', 'A', 'z/y/w', 'é', '\uFF01', '\u{1F600}'];
    const root = await model(Object.fromEntries(names.map((n) => [n, n])));
    const files = await listModelFiles(root, noIgnore);
    // Python orders PurePosixPath by components ('a/x' before 'a-b') and strings by code point (U+1F600 after U+FF01).
    expect(files.map((f) => f.name)).toEqual(['A', 'a/x', 'a-b', 'b.txt', 'z/y/w', 'é', '\uFF01', '\u{1F600}']);
    expect(files.find((f) => f.name === 'z/y/w')).toEqual({ name: 'z/y/w', path: join(root, 'z/y/w'), size: 5 });
  });

  it('orders names exactly as Python sorts PurePosixPath (when python3 is installed)', (ctx) => {
    const names = ['a', 'a/b', 'a-b', 'a.b/c', 'a.b', 'a/b/c', 'ab', 'a b', '!/x', 'Z', '\uE000', '\u{10000}', 'é/x', 'e/x', 'a0', 'a/0', '_', 'a_/b'];
    let python: string;
    try {
      python = execFileSync('python3', ['-c', 'import json,sys,pathlib; print(json.dumps(sorted(json.load(sys.stdin), key=pathlib.PurePosixPath)))'], {
        input: JSON.stringify(names),
        encoding: 'utf8',
      });
    } catch {
      ctx.skip('python3 is not installed');
      return;
    }
    expect([...names].sort(compareModelNames)).toEqual(JSON.parse(python));
  });

  it('skips ignored files and whole ignored directories by relative path', async () => {
    const root = await model({
      'model.bin': 'm',
      'ignore-me': '',
      '.git/HEAD': 'ref',
      '.git/objects/ab/cd': 'x',
      'sub/dir/a': 'a',
      'sub/dir2/b': 'b',
      'sub/keep': 'k',
    });
    const files = await listModelFiles(root, { ignorePaths: ['ignore-me', '.git', 'sub/dir/'], allowSymlinks: false });
    expect(files.map((f) => f.name)).toEqual(['model.bin', 'sub/dir2/b', 'sub/keep']);
  });

  it('refuses a symlink by default, naming it', async () => {
    const root = await model({ 'weights.bin': 'w' });
    await symlink('weights.bin', join(root, 'alias.bin'));
    const error = await listModelFiles(root, noIgnore).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFilesError);
    expect((error as Error).message).toContain(join(root, 'alias.bin'));
    // Ignored paths are not even looked at.
    expect((await listModelFiles(root, { ignorePaths: ['alias.bin'], allowSymlinks: false })).map((f) => f.name)).toEqual(['weights.bin']);
  });

  it('follows symlinks to files and folders when allowed, and stops at a loop', async () => {
    const outside = await model({ 'shared/vocab.txt': 'vocab', 'big.bin': 'big' });
    const root = await model({ 'config.json': '{}' });
    await symlink(join(outside, 'big.bin'), join(root, 'weights.bin'));
    await symlink(join(outside, 'shared'), join(root, 'tokenizer'));
    const files = await listModelFiles(root, { ignorePaths: [], allowSymlinks: true });
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ['config.json', 2],
      ['tokenizer/vocab.txt', 5],
      ['weights.bin', 3],
    ]);
    const { resources } = await hashModelFiles(files, { method: 'files' });
    expect(resources.map((r) => r.digest)).toEqual([sha256(Buffer.from('{}')), sha256(Buffer.from('vocab')), sha256(Buffer.from('big'))]);

    await symlink('..', join(outside, 'shared', 'up'));
    await expect(listModelFiles(root, { ignorePaths: [], allowSymlinks: true })).rejects.toThrow(/symbolic link loop/);
  });

  it('lists a single-file model as one entry named "."', async () => {
    const root = await model({ 'model.onnx': 'onnx bytes' });
    const path = join(root, 'model.onnx');
    expect(await listModelFiles(path, noIgnore)).toEqual([{ name: '.', path, size: 10 }]);
  });

  it('reports a missing model as a ModelFilesError', async () => {
    const root = await tempDir();
    await expect(listModelFiles(join(root, 'nope'), noIgnore)).rejects.toThrow(ModelFilesError);
  });
});

describe('hashModelFiles', () => {
  it('matches node:crypto for empty, small, multi-MiB and odd-sized files', async () => {
    const contents: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      small: Buffer.from('hello model'),
      'one-mib': randomBytes(1 << 20),
      'one-mib-plus-one': randomBytes((1 << 20) + 1),
      'odd/three-mib': randomBytes(3 * (1 << 20) + 12_345),
      'odd/prime': randomBytes(104_729),
    };
    const root = await model(contents);
    const result = await hashModelFiles(await listModelFiles(root, noIgnore), { method: 'files' });
    const expected = Object.entries(contents)
      .map(([name, data]) => ({ name, digest: sha256(data), size: data.length }))
      .sort((a, b) => compareModelNames(a.name, b.name));
    expect(result.resources).toEqual(expected);
    expect(result.totalBytes).toBe(expected.reduce((sum, r) => sum + r.size, 0));
    expect(result.seconds).toBeGreaterThan(0);
  });

  it('shards a file into [start,end) ranges in numeric order, and gives an empty file no shard', async () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvw'); // 23 bytes
    const root = await model({ f: data, 'g-empty': '' });
    const { resources, totalBytes } = await hashModelFiles(await listModelFiles(root, noIgnore), { method: 'shards', shardSize: 8 });
    expect(resources).toEqual([
      { name: 'f:0:8', digest: sha256(data.subarray(0, 8)), size: 8 },
      { name: 'f:8:16', digest: sha256(data.subarray(8, 16)), size: 8 },
      { name: 'f:16:23', digest: sha256(data.subarray(16, 23)), size: 7 },
    ]);
    expect(totalBytes).toBe(23);
  });

  it('names the shards of a single-file model after "."', async () => {
    const root = await model({ 'model.onnx': 'abcdefghij' });
    const files = await listModelFiles(join(root, 'model.onnx'), noIgnore);
    const { resources } = await hashModelFiles(files, { method: 'shards', shardSize: 8 });
    expect(resources.map((r) => r.name)).toEqual(['.:0:8', '.:8:10']);
    expect((await hashModelFiles(files, { method: 'files' })).resources).toEqual([{ name: '.', digest: sha256(Buffer.from('abcdefghij')), size: 10 }]);
  });

  it('gives identical results with 1 and 4 workers', async () => {
    const contents: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) contents[`part-${i}/shard.bin`] = randomBytes(1000 + i * 250_013);
    const files = await listModelFiles(await model(contents), noIgnore);
    for (const method of ['files', 'shards'] as const) {
      const one = await hashModelFiles(files, { method, shardSize: 1_000_000, concurrency: 1 });
      const four = await hashModelFiles(files, { method, shardSize: 1_000_000, concurrency: 4 });
      expect(four.resources).toEqual(one.resources);
      expect(one.resources.length).toBe(method === 'files' ? 12 : 24);
    }
  });

  it('returns no resources for no files', async () => {
    expect(await hashModelFiles([], { method: 'files' })).toMatchObject({ resources: [], totalBytes: 0 });
  });

  it('rejects with the path when a file vanished since it was listed', async () => {
    const root = await model({ a: 'a', b: 'b' });
    const files = await listModelFiles(root, noIgnore);
    await unlink(join(root, 'b'));
    const error = await hashModelFiles(files, { method: 'files', concurrency: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelHashError);
    expect(error).toMatchObject({ path: join(root, 'b'), code: 'ENOENT' });
  });

  it("keeps its threads for the next call, ends a failed call's threads, and lets them go when closed", async () => {
    const root = await model({ a: 'alpha', b: 'beta' });
    const files = await listModelFiles(root, noIgnore);
    await closeHashPool();
    const none = threadCount();
    await hashModelFiles(files, { method: 'files', concurrency: 2 });
    const kept = threadCount();
    expect(kept).toBeGreaterThan(none);
    await hashModelFiles(files, { method: 'files', concurrency: 2 });
    expect(threadCount()).toBe(kept);

    await unlink(join(root, 'b'));
    await expect(hashModelFiles(files, { method: 'files', concurrency: 2 })).rejects.toBeInstanceOf(ModelHashError);
    expect(threadCount()).toBe(none);
    await writeFile(join(root, 'b'), 'beta');
    expect((await hashModelFiles(files, { method: 'files', concurrency: 2 })).resources.map((r) => r.digest)).toEqual([
      sha256(Buffer.from('alpha')),
      sha256(Buffer.from('beta')),
    ]);
    await closeHashPool();
    expect(threadCount()).toBe(none);
  });

  it('fails, instead of crashing or never settling, when the progress callback throws', async () => {
    // Whether a report on the way or the last one throws depends on the machine's speed; either must fail the call.
    const files = await listModelFiles(await model({ a: 'alpha', b: randomBytes(8 << 20) }), noIgnore);
    const broken = hashModelFiles(files, {
      method: 'files',
      onProgress: () => {
        throw new Error('the progress bar broke');
      },
    });
    await expect(broken).rejects.toThrow('the progress bar broke');
  });

  it('does not keep a process alive with its idle threads (runs the build in dist/)', async (ctx) => {
    const built = new URL('../../../dist/collectors/model-signatures/observe/hash-model.js', import.meta.url);
    if (!existsSync(built)) ctx.skip('dist/ is not built: npm test builds it first');
    const root = await model({ a: 'alpha' });
    const code = `const m = await import(${JSON.stringify(built.href)}); const r = await m.hashModelFiles([{ name: 'a', path: ${JSON.stringify(join(root, 'a'))}, size: 5 }], { method: 'files' }); console.log(r.resources[0].digest);`;
    // Idle threads end by themselves only after 30 s: a process that waited for them would be killed here first.
    const script = join(root, 'hash-once.mjs');
    await writeFile(script, code);
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 15_000 });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(sha256(Buffer.from('alpha')));
  });

  it('refuses bad options', async () => {
    await expect(hashModelFiles([], { method: 'shards', shardSize: 0 })).rejects.toThrow(RangeError);
    await expect(hashModelFiles([], { method: 'files', concurrency: 0 })).rejects.toThrow(RangeError);
  });

  describe('on a 200 MB file', () => {
    const SIZE = 200_000_000;
    let dir: string;
    let big: ModelFile;
    let bigDigest: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ea-model-big-'));
      // 1 MiB of random bytes, varied per block so a misplaced read cannot hash to the same digest.
      const block = randomBytes(1 << 20);
      const hash = createHash('sha256');
      const handle = await open(join(dir, 'big.bin'), 'w');
      try {
        for (let written = 0, n = 0; written < SIZE; n++) {
          block.writeUInt32BE(n, 0);
          const part = block.subarray(0, Math.min(block.length, SIZE - written));
          await handle.write(part);
          hash.update(part);
          written += part.length;
        }
      } finally {
        await handle.close();
      }
      bigDigest = hash.digest('hex');
      big = { name: 'big.bin', path: join(dir, 'big.bin'), size: SIZE };
    }, 60_000);
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('hashes it correctly, with progress up to the total', async () => {
      const seen: Array<[number, number]> = [];
      const result = await hashModelFiles([big], { method: 'files', onProgress: (done, total) => seen.push([done, total]) });
      expect(result.resources).toEqual([{ name: 'big.bin', digest: bigDigest, size: SIZE }]);
      expect(seen.at(-1)).toEqual([SIZE, SIZE]);
      for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
    });

    it('rejects with the abort reason mid-way and leaves no worker running', async () => {
      await hashModelFiles([big], { method: 'shards', shardSize: 1 << 20, concurrency: 1 }); // thread pools of the process are up now
      await closeHashPool();
      const before = threadCount();
      const controller = new AbortController();
      const reason = new Error('stop now');
      // The same file listed eight times: far more work than can finish before the first progress report.
      const files = Array.from({ length: 8 }, (_, i) => ({ ...big, name: `copy-${i}` }));
      let atAbort: [number, number] = [0, 0];
      const promise = hashModelFiles(files, {
        method: 'files',
        concurrency: 2,
        signal: controller.signal,
        onProgress: (done, total) => {
          if (done === 0) return;
          atAbort = [done, total];
          controller.abort(reason);
        },
      });
      await expect(promise).rejects.toBe(reason);
      expect(atAbort[0]).toBeGreaterThan(0);
      expect(atAbort[0]).toBeLessThan(atAbort[1]);
      expect(threadCount()).toBe(before);
    });

    it('rejects at once on an already aborted signal', async () => {
      const reason = new Error('never started');
      await expect(hashModelFiles([big], { method: 'files', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });
  });
});

describe('hash-worker', () => {
  // Files written by a test are cached, so the pool rarely meets a slow read here: a threshold no read can
  // beat sends every file through the read-ahead path after its second read.
  it('hashes whole files and ranges the same through read-ahead, and notices a file shorter than asked', async () => {
    const data = randomBytes(3 * 65_536 + 12_345);
    const path = join(await model({ f: data }), 'f');
    const progress = new SharedArrayBuffer(8);
    const workerData: HashWorkerData = {
      readSize: 16_384,
      readAheadSize: 65_536,
      readAheadDepth: 2,
      slowReadBytesPerMs: Infinity,
      slowReadWindow: 1,
    };
    const worker = new Worker(new URL('../observe/hash-worker.ts', import.meta.url), { workerData });
    const ask = (task: Omit<HashTask, 'progress'>) =>
      new Promise<HashReply>((resolve) => {
        worker.once('message', resolve);
        worker.postMessage({ ...task, progress });
      });
    try {
      expect(await ask({ id: 1, path, start: 0, end: null })).toEqual({ id: 1, digest: sha256(data), size: data.length });
      expect(await ask({ id: 2, path, start: 1_000, end: 150_001 })).toEqual({ id: 2, digest: sha256(data.subarray(1_000, 150_001)), size: 149_001 });
      expect(await ask({ id: 3, path, start: 70_000, end: data.length + 10 })).toMatchObject({ id: 3, error: { code: 'ESHORT' } });
      expect(Number(new BigInt64Array(progress)[0])).toBe(data.length + 149_001 + (data.length - 70_000));
    } finally {
      await worker.terminate();
    }
  });
});

describe('hashStream', () => {
  it('hashes a stream as node:crypto hashes its bytes', async () => {
    const chunks = [randomBytes(10), Buffer.alloc(0), randomBytes(70_000)];
    expect(await hashStream(Readable.from(chunks))).toEqual({ digest: sha256(Buffer.concat(chunks)), size: 70_010 });
  });
});
