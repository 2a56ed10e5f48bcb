import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCollectors } from '../src/collector/runner.js';
import { FileStore } from '../src/store/file-store.js';
import { StoreConflictError, StoreError } from '../src/store/types.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { createBucket, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const KEY = (seq: number, stream = 'test-agent/c') => `records/${stream}/2026-03-01/${String(seq).padStart(12, '0')}.json`;
const SECRET = 'not-evidence: the content of a file outside the store';

/** Three records in one stream, one of them with an attachment. */
async function store(): Promise<{ root: string; store: FileStore; blob: string }> {
  const root = await tempDir();
  const s = new FileStore(root);
  let blob = '';
  const c = collectorOf('c', async function* (ctx) {
    const a = await ctx.attach({ name: 'a.txt', mediaType: 'text/plain', body: 'alpha' });
    blob = a.key;
    yield draft(0);
    yield draft(1, { attachments: [a] });
    yield draft(2);
  });
  await runCollectors([instance('c', c)], environment(s));
  return { root, store: s, blob };
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

function listenOn(path: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve, reject) => server.once('error', reject).listen(path, resolve));
}

/** A file outside every store, which nothing in a store may lead verify to read. */
async function outsideFile(): Promise<string> {
  const path = join(await tempDir(), 'outside.json');
  await writeFile(path, SECRET);
  return path;
}

function expectRestVerified(report: Awaited<ReturnType<typeof verifyStore>>): void {
  expect(report.streams).toEqual([expect.objectContaining({ stream: 'test-agent/c', records: 3, firstSeq: 0, lastSeq: 2 })]);
  expect(report.attachments).toBe(1);
}

describe('verify reports what was planted in a store, and still verifies the rest', () => {
  it.each([
    ['a space', 'test-agent/c d'],
    ['a non-ASCII letter', 'tëst-agent/c'],
  ])('reports a record under a folder whose name holds %s as a stray', async (_, stream) => {
    const { root, store: s } = await store();
    await mkdir(join(root, `records/${stream}/2026-03-01`), { recursive: true });
    await cp(join(root, KEY(0)), join(root, KEY(0, stream)));
    const report = await verifyStore(s);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'stray-object', key: KEY(0, stream) })]);
    expectRestVerified(report);
  });

  it('reports a FIFO named like the next record as a stray, without waiting on it', async () => {
    const { root, store: s } = await store();
    mkfifo(join(root, KEY(3)));
    const report = await verifyStore(s);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'stray-object', key: KEY(3), message: expect.stringMatching(/FIFO/) })]);
    expectRestVerified(report);
  });

  it('reports a record symlinked to a file outside the store as a stray, and neither follows nor prints it', async () => {
    const { root, store: s } = await store();
    await symlink(await outsideFile(), join(root, KEY(3)));
    const report = await verifyStore(s);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'stray-object', key: KEY(3), message: expect.stringMatching(/symbolic link/) })]);
    expect(JSON.stringify(report)).not.toContain('not-evidence');
    expectRestVerified(report);
  });

  it('reports a symlinked folder as one stray and does not list what it leads to', async () => {
    const { root, store: s } = await store();
    const elsewhere = await tempDir();
    await mkdir(join(elsewhere, 'c/2026-03-01'), { recursive: true });
    await cp(join(root, KEY(0)), join(elsewhere, 'c/2026-03-01/000000000000.json'));
    await symlink(elsewhere, join(root, 'records/other-agent'));
    const report = await verifyStore(s);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'stray-object', key: 'records/other-agent' })]);
    expectRestVerified(report);
  });

  it('reports a socket named like a record as a stray', async () => {
    const { root, store: s } = await store();
    await listenOn(join(root, KEY(3)));
    const report = await verifyStore(s);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'stray-object', key: KEY(3), message: expect.stringMatching(/socket/) })]);
    expectRestVerified(report);
  });

  it('reports a FIFO where an attachment should be, as a stray and a missing attachment, without waiting on it', async () => {
    const { root, store: s, blob } = await store();
    await rm(join(root, blob));
    mkfifo(join(root, blob));
    const report = await verifyStore(s);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'stray-object', key: blob, message: expect.stringMatching(/FIFO/) }),
      expect.objectContaining({ kind: 'attachment-missing', key: blob }),
    ]);
  });

  it('reports stray files anywhere under the root, each with its key, and ignores .staging', async () => {
    const { root, store: s } = await store();
    const strays = ['notes.txt', 'blobs/sha256/not-hex', 'blobs/md5/abc', 'checkpoints/test-agent/notes.txt', 'checkpoints/a b/000000000000.json'];
    for (const key of strays) {
      await mkdir(join(root, key, '..'), { recursive: true });
      await writeFile(join(root, key), 'x');
    }
    await writeFile(join(root, '.staging/leftover'), 'half-written');
    const report = await verifyStore(s);
    expect(report.problems.map((p) => [p.kind, p.key])).toEqual(strays.map((key) => ['stray-object', key]).sort((a, b) => (a[1]! < b[1]! ? -1 : 1)));
    expectRestVerified(report);
  });
});

describe('the file store reads regular files only', () => {
  it('lists a planted FIFO, symlink or oddly named file under its key instead of throwing, and says which are not objects', async () => {
    const { root, store: s } = await store();
    mkfifo(join(root, KEY(3)));
    await symlink(await outsideFile(), join(root, KEY(4)));
    await mkdir(join(root, 'records/a b'));
    await writeFile(join(root, 'records/a b/x'), 'x');
    const entries = [];
    for await (const entry of s.entries('records/')) entries.push(entry);
    expect(entries).toEqual([
      { key: 'records/a b/x' },
      { key: KEY(0) },
      { key: KEY(1) },
      { key: KEY(2) },
      { key: KEY(3), notAnObject: 'a FIFO' },
      { key: KEY(4), notAnObject: 'a symbolic link' },
    ]);
  });

  it('refuses to read a FIFO or a symlink, naming the key, and does not wait', async () => {
    const { root, store: s } = await store();
    mkfifo(join(root, KEY(3)));
    await symlink(await outsideFile(), join(root, KEY(4)));
    await expect(s.get(KEY(3))).rejects.toThrow(new StoreError(`${KEY(3)} in ${root} is a FIFO, not a regular file; it was not read`));
    await expect(s.open(KEY(3))).rejects.toBeInstanceOf(StoreError);
    await expect(s.get(KEY(4))).rejects.toThrow(/is a symbolic link, not a regular file; it was not read/);
  });

  it('does not follow a symlinked folder on the way to a key', async () => {
    const { root, store: s } = await store();
    const elsewhere = await tempDir();
    await mkdir(join(elsewhere, 'sha256'));
    await writeFile(join(elsewhere, 'sha256/aa'), SECRET);
    await symlink(elsewhere, join(root, 'linked'));
    await expect(s.get('linked/sha256/aa')).rejects.toThrow(/linked in .* is a symbolic link, not a folder; it was not followed/);
  });

  it('refuses to write over a FIFO at the key, as a conflict, without waiting on it', async () => {
    const { root, store: s } = await store();
    mkfifo(join(root, KEY(3)));
    await expect(s.put(KEY(3), Buffer.from('{}\n'))).rejects.toBeInstanceOf(StoreConflictError);
  });
});

for (const kind of S3_SERVERS) {
  describe.skipIf(kind.unavailable !== null)(
    `verify reports what was planted in a bucket, on ${kind.name}${kind.unavailable ? ` (skipped: ${kind.unavailable})` : ''}`,
    () => {
      const s3 = useS3Server(kind);

      it('reports folder markers and oddly named objects as strays, passes over the root’s own marker, and verifies the rest', async () => {
        const bucket = `ev-planted-${process.pid}`;
        await createBucket(s3.client, bucket, 'locked');
        const s = testS3Store(`s3://${bucket}/evidence`, s3.server.endpoint);
        await s.preflight();
        await runCollectors(
          [
            instance(
              'c',
              collectorOf('c', async function* () {
                yield draft(0);
              }),
            ),
          ],
          environment(s),
        );
        // What a console's "Create folder" and a careless upload leave behind.
        const planted = ['evidence/', 'evidence/records/', `evidence/${KEY(0, 'test-agent/c d')}`, 'evidence/notes.txt'];
        for (const key of planted) {
          const body = key.endsWith('/') ? '' : 'x';
          await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }));
        }
        const report = await verifyStore(s);
        expect(report.problems.map((p) => [p.kind, p.key])).toEqual([
          ['stray-object', 'notes.txt'],
          ['stray-object', 'records/'],
          ['stray-object', KEY(0, 'test-agent/c d')],
        ]);
        expect(report.problems[1]!.message).toMatch(/folder marker/);
        expect(report.streams).toEqual([expect.objectContaining({ stream: 'test-agent/c', records: 1 })]);
        await s.close();
      });
    },
  );
}
