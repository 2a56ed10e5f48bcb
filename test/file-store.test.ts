import { mkdir, open, readdir, readFile, readlink, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FileStore, fileStoreRoot } from '../src/store/file-store.js';
import { SyncedFileWriter } from '../src/store/synced-file-writer.js';
import { StoreConflictError, StoreError } from '../src/store/types.js';
import { tempDir } from './helpers/tmp.js';

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}

describe('FileStore', () => {
  it('writes once, read-only, and reads back', async () => {
    const store = new FileStore(await tempDir());
    expect(await store.put('records/a/b/x.json', Buffer.from('one'))).toBe('created');
    expect(Buffer.from((await store.get('records/a/b/x.json'))!).toString()).toBe('one');
    const mode = (await stat(join(store.root, 'records/a/b/x.json'))).mode & 0o777;
    expect(mode).toBe(0o444);
    expect(await store.get('records/a/b/missing.json')).toBeNull();
    expect(await store.open('records/a/b/missing.json')).toBeNull();
  });

  it('refuses to overwrite a key with different bytes and keeps the original', async () => {
    const store = new FileStore(await tempDir());
    await store.put('k/one', Buffer.from('original'));
    await expect(store.put('k/one', Buffer.from('forged'))).rejects.toBeInstanceOf(StoreConflictError);
    expect(Buffer.from((await store.get('k/one'))!).toString()).toBe('original');
  });

  it('accepts an identical retry as a no-op, for bytes and for files', async () => {
    const dir = await tempDir();
    const store = new FileStore(join(dir, 'store'));
    await store.put('k/one', Buffer.from('same'));
    expect(await store.put('k/one', Buffer.from('same'))).toBe('exists');
    const file = join(dir, 'blob');
    await writeFile(file, 'same');
    expect(await store.put('k/one', { path: file })).toBe('exists');
    await writeFile(file, 'other');
    await expect(store.put('k/one', { path: file })).rejects.toThrow(/refusing to overwrite k\/one/);
  });

  it('leaves no staging files behind', async () => {
    const store = new FileStore(await tempDir());
    await store.put('a', Buffer.from('1'));
    await store.put('a', Buffer.from('1'));
    await store.put('a', Buffer.from('2')).catch(() => undefined);
    expect(await collect(store.list('.staging/'))).toEqual([]);
    expect(await collect(store.list(''))).toEqual(['a']);
  });

  it('lists by prefix in byte order, recursively or one level at a time', async () => {
    const store = new FileStore(await tempDir());
    for (const k of ['r/s/2026-01-02/000000000001.json', 'r/s/2026-01-01/000000000000.json', 'r/t/2026-01-01/000000000000.json', 'r/s-x/a']) {
      await store.put(k, Buffer.from(k));
    }
    expect(await collect(store.list('r/s/'))).toEqual(['r/s/2026-01-01/000000000000.json', 'r/s/2026-01-02/000000000001.json']);
    expect(await collect(store.list('r/', { delimiter: '/' }))).toEqual(['r/s-x/', 'r/s/', 'r/t/']);
    expect(await collect(store.list('r/s'))).toEqual(['r/s-x/a', 'r/s/2026-01-01/000000000000.json', 'r/s/2026-01-02/000000000001.json']);
    expect(await collect(store.list('nothing/'))).toEqual([]);
  });

  it('rejects keys that could escape the root', async () => {
    const store = new FileStore(await tempDir());
    for (const key of ['../x', '/etc/passwd', 'a//b', 'a/../b', '', 'a b']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(StoreError);
    }
  });

  it('reports an unwritable root as a StoreError that names the key and folder', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const store = new FileStore(blocker);
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow(/cannot write k to .*not-a-folder/);
  });

  it('streams file bodies and opens objects as streams', async () => {
    const dir = await tempDir();
    const store = new FileStore(join(dir, 's'));
    const file = join(dir, 'big');
    await writeFile(file, Buffer.alloc(3 * 1024 * 1024, 7));
    await store.put('blobs/x', { path: file });
    const chunks: Buffer[] = [];
    for await (const c of (await store.open('blobs/x'))!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(await readFile(file))).toBe(true);
  });

  it('stages an object of many MiB in place, syncing as it goes, and stores it under a key given at its end', async () => {
    const store = new FileStore(await tempDir());
    const staged = await store.stage();
    // 20 MiB crosses the background-sync threshold twice, so those syncs run beside the writes.
    const block = Buffer.alloc(1 << 20);
    const blocks = Array.from({ length: 20 }, (_, i) => Buffer.from(block.fill(i)));
    await pipeline(Readable.from(blocks), staged.writable);
    expect(await staged.commit('blobs/big')).toBe('created');
    await staged.discard();
    expect(Buffer.from((await store.get('blobs/big'))!).equals(Buffer.concat(blocks))).toBe(true);
    expect((await stat(join(store.root, 'blobs/big'))).mode & 0o777).toBe(0o444);
    expect(await collect(store.list('.staging/'))).toEqual([]);

    const again = await store.stage();
    await pipeline(Readable.from([Buffer.from('other bytes')]), again.writable);
    await expect(again.commit('blobs/big')).rejects.toBeInstanceOf(StoreConflictError);
    await again.discard();
    expect((await store.get('blobs/big'))!.byteLength).toBe(20 << 20);
    expect(await collect(store.list(''))).toEqual(['blobs/big']);
  });

  it('discards a staged object whose stream failed, leaving neither a file nor an open descriptor', async () => {
    const store = new FileStore(await tempDir());
    const staged = await store.stage();
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('the source broke');
    }
    await expect(pipeline(failing(), staged.writable)).rejects.toThrow('the source broke');
    await staged.discard();
    expect(await collect(store.list(''))).toEqual([]);
    expect(await readdir(join(store.root, '.staging'))).toEqual([]);
    const open = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    expect(open.filter((target) => target.startsWith(store.root))).toEqual([]);
    await expect(staged.commit('blobs/partial')).rejects.toBeInstanceOf(StoreError);
    expect(await store.get('blobs/partial')).toBeNull();
  });

  it('refuses to store a staged object before its stream has ended, and says so as a store error', async () => {
    const store = new FileStore(await tempDir());
    const staged = await store.stage();
    staged.writable.write('half of it');
    await expect(staged.commit('blobs/half')).rejects.toThrow(/cannot store blobs\/half: its staged object was not written to the end/);
    await expect(staged.commit('../escape')).rejects.toBeInstanceOf(StoreError);
    await staged.discard();
    expect(await collect(store.list(''))).toEqual([]);
  });

  it('reports a file that refuses writes while staging as a StoreError naming the store', async () => {
    const dir = await tempDir();
    const path = join(dir, 'read-only');
    await writeFile(path, '');
    // Opened for reading only, so the first write fails in the kernel (EBADF), as a full disk would.
    const writer = new SyncedFileWriter(await open(path, 'r'), (err) => new StoreError(`cannot write a staged object to ${dir}: ${err.message}`));
    const failure = pipeline(Readable.from([Buffer.from('bytes')]), writer);
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toThrow(/cannot write a staged object to .*EBADF/);
  });

  it('sweeps staging files older than a day that a crashed writer left, and keeps recent ones', async () => {
    const root = await tempDir();
    await mkdir(join(root, '.staging'));
    const stale = join(root, '.staging', 'stale');
    const recent = join(root, '.staging', 'recent');
    await writeFile(stale, 'left by a crash two days ago');
    await writeFile(recent, 'another writer, still busy');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    await new FileStore(root).put('k', Buffer.from('v'));
    expect(await readdir(join(root, '.staging'))).toEqual(['recent']);
  });

  it('resolves file: URLs against a base folder', () => {
    expect(fileStoreRoot('file:./evidence', '/cfg')).toBe('/cfg/evidence');
    expect(fileStoreRoot('file:/abs/ev', '/cfg')).toBe('/abs/ev');
    expect(fileStoreRoot('file:///abs/ev%20x', '/cfg')).toBe('/abs/ev x');
    expect(() => fileStoreRoot('file:', '/cfg')).toThrow(/needs a folder/);
  });
});
