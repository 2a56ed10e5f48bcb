import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCollectors } from '../src/collector/runner.js';
import { canonicalize } from '../src/record/canonical-json.js';
import { recordHash } from '../src/record/hash.js';
import { FileStore } from '../src/store/file-store.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const VERIFIER = new URL('./interop/verify_store.py', import.meta.url).pathname;
const python = await run('python3', ['--version']).then(
  () => true,
  () => false,
);

async function pyVerify(root: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('python3', [VERIFIER, root]);
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe.skipIf(!python)('independent Python verifier written from evidence-schema/README.md (skipped without python3)', () => {
  it('re-computes every hash and link of a store this agent wrote, and catches tampering', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    const tricky = collectorOf('tricky', async function* (ctx) {
      const log = await ctx.attach({ name: 'log.txt', mediaType: 'text/plain', body: 'Ünïcödé 😀\n' });
      for (let i = 0; i < 3; i++) {
        yield draft(i, { data: { '10': 'ten', '9': 'nine', text: 'é\n\t\u0001"\\ 😀', n: 1.5, big: 1e21, neg: -0 }, attachments: [log] });
      }
    });
    await runCollectors([instance('a', tricky), instance('b', tricky)], environment(store));
    await runCollectors([instance('a', tricky)], environment(store));

    const clean = await pyVerify(root);
    expect(clean.out).toMatch(/interop-verify: 9 records, 2 streams, 0 problems/);
    expect(clean.code).toBe(0);

    const key = 'records/test-agent/a/2026-03-01/000000000004.json';
    await chmod(join(root, key), 0o644);
    await writeFile(join(root, key), (await readFile(join(root, key), 'utf8')).replace('"ten"', '"tan"'));
    const tampered = await pyVerify(root);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(new RegExp(`PROBLEM hash ${key}`));
  });
});

describe('the test vector in evidence-schema/README.md', () => {
  it('hashes to the value the README gives', async () => {
    const readme = await readFile(new URL('../evidence-schema/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## A test vector'));
    const json = /```json\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('\n', '');
    const canonical = /```\n(\{[\s\S]*?)\n```/.exec(section)![1]!;
    const expected = /its hash is `(sha256:[0-9a-f]{64})`/.exec(section)![1];
    const record = JSON.parse(json) as Parameters<typeof recordHash>[0];
    expect(canonicalize(record)).toBe(canonical);
    expect(recordHash(record)).toBe(expected);
  });
});
