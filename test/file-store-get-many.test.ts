import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStore } from '../src/store/file-store.js';
import { StoreError } from '../src/store/types.js';
import { tempDir } from './helpers/tmp.js';

const KEY = (seq: number) => `records/a/c/2026-03-01/${String(seq).padStart(12, '0')}.json`;

const stores: FileStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function storeOf(count: number): Promise<{ root: string; store: FileStore }> {
  const root = await tempDir();
  const store = new FileStore(root);
  stores.push(store);
  for (let seq = 0; seq < count; seq++) await store.put(KEY(seq), Buffer.from(`{"seq":${seq}}\n`));
  return { root, store };
}

/** What getMany gives until it stops, and what it stopped with. */
async function getMany(store: FileStore, keys: Iterable<string>): Promise<{ got: [string, string | null][]; error: unknown }> {
  const got: [string, string | null][] = [];
  try {
    for await (const { key, bytes } of store.getMany(keys)) got.push([key, bytes ? Buffer.from(bytes).toString() : null]);
  } catch (error) {
    return { got, error };
  }
  return { got, error: undefined };
}

async function* slowly(keys: string[]): AsyncIterable<string> {
  for (const key of keys) {
    await new Promise((resolve) => setImmediate(resolve));
    yield key;
  }
}

describe('FileStore.getMany', () => {
  it('gives each key its bytes as get does, in the order asked, across many batches, with null for a missing key', async () => {
    const { store } = await storeOf(700);
    const keys = [...Array.from({ length: 700 }, (_, seq) => KEY(699 - seq)), 'records/a/c/2026-03-01/missing.json', 'records/a/nowhere/x.json', KEY(3)];
    const { got, error } = await getMany(store, keys);
    expect(error).toBeUndefined();
    expect(got.map(([key]) => key)).toEqual(keys);
    for (const [key, bytes] of got) {
      const one = await store.get(key);
      expect(bytes).toBe(one ? Buffer.from(one).toString() : null);
    }
    expect(got.at(-3)).toEqual(['records/a/c/2026-03-01/missing.json', null]);
    expect(got.at(-1)).toEqual([KEY(3), '{"seq":3}\n']);
  });

  it('reads keys that arrive one at a time from an async source, and an empty one', async () => {
    const { store } = await storeOf(5);
    const keys = [0, 1, 2, 3, 4].map(KEY);
    const got: string[] = [];
    for await (const { bytes } of store.getMany(slowly(keys))) got.push(Buffer.from(bytes!).toString());
    expect(got).toEqual([0, 1, 2, 3, 4].map((seq) => `{"seq":${seq}}\n`));
    expect((await getMany(store, [])).got).toEqual([]);
  });

  it.each([
    [
      'a FIFO',
      async (path: string) => {
        execFileSync('mkfifo', [path]);
      },
    ],
    ['a symbolic link', async (path: string) => symlink(join(path, '..', '000000000000.json'), path)],
    ['a folder', async (path: string) => mkdir(path)],
  ])('refuses %s at a key with the very error get raises, after the keys before it, and without waiting', async (_, plant) => {
    const { store } = await storeOf(200);
    await plant(join(store.root, KEY(200)));
    const getError = await store.get(KEY(200)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(getError).toBeInstanceOf(StoreError);
    const keys = [...Array.from({ length: 200 }, (_, seq) => KEY(seq)), KEY(200), KEY(0)];
    const { got, error } = await getMany(store, keys);
    expect(got.map(([key]) => key)).toEqual(keys.slice(0, 200));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe((getError as Error).message);
  });

  it('does not follow a symbolic link in place of a folder on the way to a key, as get does not', async () => {
    const { root, store } = await storeOf(1);
    const elsewhere = await tempDir();
    await mkdir(join(elsewhere, 'sha256'));
    await writeFile(join(elsewhere, 'sha256/aa'), 'not evidence: outside the store');
    await symlink(elsewhere, join(root, 'linked'));
    const getError = await store.get('linked/sha256/aa').then(
      () => null,
      (err: unknown) => err,
    );
    expect((getError as Error).message).toMatch(/linked in .* is a symbolic link, not a folder; it was not followed/);
    const { got, error } = await getMany(store, [KEY(0), 'linked/sha256/aa']);
    expect(got).toEqual([[KEY(0), '{"seq":0}\n']]);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe((getError as Error).message);
  });

  it('refuses a key that could escape the root, in its place', async () => {
    const { store } = await storeOf(2);
    const { got, error } = await getMany(store, [KEY(0), '../escape', KEY(1)]);
    expect(got).toEqual([[KEY(0), '{"seq":0}\n']]);
    expect(error).toBeInstanceOf(StoreError);
  });

  it('reads again after close, and stops reading when the caller stops', async () => {
    const { store } = await storeOf(300);
    for await (const { key } of store.getMany(Array.from({ length: 300 }, (_, seq) => KEY(seq)))) if (key === KEY(10)) break;
    await store.close();
    expect((await getMany(store, [KEY(299)])).got).toEqual([[KEY(299), '{"seq":299}\n']]);
  });
});
