import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHead } from '../src/chain/head.js';
import { CHECKPOINT_PAYLOAD_TYPE } from '../src/checkpoint/checkpoint.js';
import { writeCheckpoint } from '../src/checkpoint/write.js';
import { runCollectors } from '../src/collector/runner.js';
import { canonicalize } from '../src/record/canonical-json.js';
import { recordHash } from '../src/record/hash.js';
import { parseStrictJson, StrictJsonError } from '../src/record/strict-json.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { signedStore } from './helpers/signed-store.js';
import { tempDir } from './helpers/tmp.js';

const KEY = (seq: number) => `records/test-agent/c/2026-03-01/${String(seq).padStart(12, '0')}.json`;
const CHECKPOINT = (seq: number) => `checkpoints/test-agent/${String(seq).padStart(12, '0')}.json`;

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const strict = (text: string) => parseStrictJson(utf8(text), 'the record');

/** A file store holding one unsigned record, KEY(0). */
async function oneRecordStore(): Promise<{ root: string; store: FileStore }> {
  const root = await tempDir();
  const store = new FileStore(root);
  await runCollectors(
    [
      instance(
        'c',
        collectorOf('c', async function* () {
          yield draft(0);
        }),
      ),
    ],
    environment(store),
  );
  return { root, store };
}

async function replace(path: string, bytes: Uint8Array | string): Promise<void> {
  await chmod(path, 0o644);
  await writeFile(path, bytes);
}

describe('parseStrictJson', () => {
  it('reads what JSON.parse reads when nothing is ambiguous', () => {
    const text = '{"a":{"x":1,"y":[{"x":2},{"x":3}]},"b":"q\\"uo\\\\te\\n","x":"\\ud83d\\ude00 😀","c":{},"d":[{},[]],"e":{"x":{}}}';
    expect(strict(text)).toEqual(JSON.parse(text));
    expect(strict('"just a string"')).toBe('just a string');
    expect(strict(' [1, 2.5e3, true, null] ')).toEqual([1, 2500, true, null]);
  });

  it.each([
    ['{"status":"fail","status":"pass"}', 'duplicate member "status" in the record'],
    ['{"data":{"files":[{"n":1},{"n":2,"n":3}]}}', 'duplicate member "n" in data.files[1] of the record'],
    ['{"a":1,"\\u0061":2}', 'duplicate member "a" in the record'],
    ['{"a":{},"b":[{}],"b":1}', 'duplicate member "b" in the record'],
    ['{"we ird":{"k":1,"k":2}}', 'duplicate member "k" in ["we ird"] of the record'],
  ])('refuses a repeated member name: %s', (text, message) => {
    expect(() => strict(text)).toThrow(new StrictJsonError(message));
  });

  it.each([
    ['{"s":"\\ud800"}', '\\ud800'],
    ['{"s":"x\\udc00y"}', '\\udc00'],
    ['{"s":"\\ud800\\u0041"}', '\\ud800'],
    ['{"s":"\\ude00\\ud83d"}', '\\ude00'],
    ['{"s":"\\ud83d😀"}', '\\ud83d'],
    ['{"\\ud800":1}', '\\ud800'],
  ])('refuses an unpaired surrogate escape: %s', (text, written) => {
    expect(() => strict(text)).toThrow(`unpaired surrogate escape ${written} in a string of the record`);
  });

  it.each([
    ['a byte that starts nothing', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d], 6],
    ['a truncated sequence', [0x22, 0x61, 0xc3, 0x22], 2],
    ['an overlong encoding of "/"', [0x22, 0xc0, 0xaf, 0x22], 1],
    ['an encoded surrogate (CESU-8)', [0x22, 0x41, 0xed, 0xa0, 0x80, 0x22], 2],
    ['a code point above U+10FFFF', [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], 1],
  ])('refuses invalid UTF-8 (%s), naming the byte', (_, bytes, at) => {
    expect(() => parseStrictJson(Uint8Array.from(bytes), 'the record')).toThrow(`not valid UTF-8 at byte ${at}`);
  });

  it('refuses a byte order mark and text that is not JSON', () => {
    expect(() => parseStrictJson(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 'the record')).toThrow(/not valid JSON/);
    expect(() => strict('{"a":1')).toThrow(/not valid JSON/);
  });
});

describe('verify reads records and checkpoints strictly', () => {
  it('reports a record whose repeated "status" reads fail to a person and pass to JSON.parse, even under the trusted key', async () => {
    const { root, store, trusted } = await signedStore();
    const path = join(root, KEY(3));
    await replace(path, (await readFile(path, 'utf8')).replace('{', '{"status":"fail",'));
    const { problems } = await verifyStore(store, { trustedKey: trusted });
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'unreadable', key: KEY(3), message: 'duplicate member "status" in the record' }));
  });

  it('reports a record that is valid only once decoded lossily, naming the byte', async () => {
    const { root, store } = await oneRecordStore();
    // A record made with U+FFFD in it and hashed, then its three bytes replaced by one invalid byte that a lossy decoder reads as U+FFFD.
    const path = join(root, KEY(0));
    const record = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    record.summary = 'Thing \uFFFD is fine.';
    record.hash = recordHash(record as never);
    const text = `${canonicalize(record)}\n`;
    const at = utf8(text).indexOf(utf8('\uFFFD'));
    const bytes = Buffer.concat([utf8(text).subarray(0, at), Buffer.from([0xff]), utf8(text).subarray(at + 3)]);
    await replace(path, bytes);
    const { problems } = await verifyStore(store);
    expect(problems).toEqual([expect.objectContaining({ kind: 'unreadable', key: KEY(0), message: `not valid UTF-8 at byte ${at}` })]);
  });

  it('reports a record holding an unpaired surrogate escape as such', async () => {
    const { root, store } = await oneRecordStore();
    const path = join(root, KEY(0));
    await replace(path, (await readFile(path, 'utf8')).replace('"Thing 0', '"Thing \\ud800'));
    const { problems } = await verifyStore(store);
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'unreadable', key: KEY(0), message: 'unpaired surrogate escape \\ud800 in a string of the record' }),
    ]);
  });

  it('reports a checkpoint bundle with a second envelope in front of the signed one', async () => {
    const { root, store, trusted } = await signedStore();
    const path = join(root, CHECKPOINT(1));
    const bundle = await readFile(path, 'utf8');
    await replace(path, bundle.replace('{', '{"dsseEnvelope":{"payload":"e30=","payloadType":"x","signatures":[]},'));
    const { problems } = await verifyStore(store, { trustedKey: trusted });
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'checkpoint-invalid', key: CHECKPOINT(1), message: 'duplicate member "dsseEnvelope" in the checkpoint bundle' }),
    ]);
  });

  it('reports a signed checkpoint payload that names the heads twice', async () => {
    const { root, store, trusted, signer } = await signedStore();
    const path = join(root, CHECKPOINT(1));
    const bundle = JSON.parse(await readFile(path, 'utf8')) as { dsseEnvelope: { payload: string } };
    const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8');
    // Signed by the trusted key itself: a signature vouches for bytes, and these bytes read two ways.
    const twice = payload.replace('"heads":', '"heads":{},"heads":');
    await replace(path, `${JSON.stringify(await signer.sign(utf8(twice), CHECKPOINT_PAYLOAD_TYPE))}\n`);
    const { problems } = await verifyStore(store, { trustedKey: trusted });
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'checkpoint-invalid', key: CHECKPOINT(1), message: 'duplicate member "heads" in the checkpoint payload' }),
    ]);
  });
});

describe('the agent reads its own store strictly', () => {
  it('refuses to link a new checkpoint to a previous one with a repeated member', async () => {
    const { root, store, signer, clock } = await signedStore();
    const path = join(root, CHECKPOINT(1));
    await replace(path, (await readFile(path, 'utf8')).replace('{', '{"mediaType":"x",'));
    await expect(writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map())).rejects.toThrow(
      /previous checkpoint checkpoints\/test-agent\/000000000001\.json cannot be read \(duplicate member "mediaType" in the checkpoint bundle\)/,
    );
  });

  it('refuses to continue a chain from a head record with a repeated member', async () => {
    const { root, store } = await signedStore();
    const path = join(root, KEY(3));
    await replace(path, (await readFile(path, 'utf8')).replace('{', '{"seq":9,'));
    await expect(readHead(store, 'test-agent/c')).rejects.toThrow(
      /record records\/test-agent\/c\/2026-03-01\/000000000003\.json cannot be read \(duplicate member "seq" in the record\), so the chain of test-agent\/c cannot continue/,
    );
  });
});
