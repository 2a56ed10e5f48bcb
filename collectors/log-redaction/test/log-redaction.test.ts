import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../../src/store/file-store.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import collector from '../index.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random = (n: number, alphabet = ALNUM) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** A card number that passes the Luhn check, fresh for each run. */
function cardNumber(): string {
  const digits = `4${random(14, '0123456789')}`.split('').map(Number);
  const sum = digits.reduce((s, d, i) => {
    const x = i % 2 === 0 ? d * 2 : d;
    return s + (x > 9 ? x - 9 : x);
  }, 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
}

/** Secrets made at run time (nothing secret-shaped sits in this file), each of one kind the scanner looks for. */
function plantedSecrets() {
  return {
    prompt: `Draft a letter to the landlord about flat ${random(10)}`,
    email: `dana.${random(8).toLowerCase()}@example.org`,
    apiKey: `sk-proj-${random(40)}`,
    aws: `AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    bearer: random(40),
    jwt: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${random(12)}","iat":1767225600}`)}.${random(43)}`,
    card: cardNumber(),
    internal: `acme_${random(32)}`,
  };
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('log-redaction through the test kit', () => {
  it('writes one record per source, finds every planted secret, and puts none of them in the store or the logs', async () => {
    const dir = await tempDir();
    const s = plantedSecrets();
    await mkdir(join(dir, 'logs'));
    const fixtures = new URL('fixtures/', import.meta.url);
    await copyFile(new URL('otel-collector/redacting.yaml', fixtures), join(dir, 'otel.yaml'));
    await copyFile(new URL('nginx/leaky.conf', fixtures), join(dir, 'nginx.conf'));
    const clean = Array.from({ length: 200 }, (_, i) => JSON.stringify({ level: 'info', msg: 'served', model: 'm', latency_ms: i }));
    const leaks = [
      JSON.stringify({ level: 'info', attributes: { 'gen_ai.prompt': s.prompt } }),
      `2026-01-05T10:00:00Z WARN user ${s.email} exceeded quota`,
      JSON.stringify({ level: 'error', msg: `upstream rejected key ${s.apiKey}` }),
      `aws credentials ${s.aws} expired`,
      `forwarding header Authorization: Bearer ${s.bearer}`,
      JSON.stringify({ msg: 'token refresh', token: s.jwt }),
      `payment retry card=${s.card}`,
      `internal call with ${s.internal}`,
    ];
    await writeFile(join(dir, 'logs', 'gateway.jsonl'), `${[...clean.slice(0, 100), ...leaks, ...clean.slice(100)].join('\n')}\n`);

    const logged: string[] = [];
    const log = pino({ level: 'trace' }, new Writable({ write: (chunk, _enc, done) => done(void logged.push(String(chunk))) }));
    const store = new FileStore(join(dir, 'evidence'));
    const { records } = await runCollectorOnce(
      collector,
      {
        sources: [
          { name: 'otel-gateway', kind: 'otel-collector', config: 'otel.yaml', logs: ['logs/*.jsonl'] },
          { name: 'edge', kind: 'nginx', config: 'nginx.conf' },
          { name: 'vllm', kind: 'vllm', args: ['--model', 'm', '--enable-log-requests'] },
          { name: 'shipper', kind: 'fluent-bit', config: 'missing.conf' },
        ],
        patterns: [{ name: 'internal-token', regex: 'acme_[A-Za-z0-9]{32}' }],
        sampleLines: 0,
      },
      { configDir: dir, store, log },
    );

    expect(records.map((r) => [r.subject.kind, r.subject.id, r.status])).toEqual([
      ['log-pipeline', 'otel-gateway', 'fail'],
      ['log-pipeline', 'edge', 'fail'],
      ['log-pipeline', 'vllm', 'fail'],
      ['log-pipeline', 'shipper', 'info'],
    ]);
    const [otel, edge, vllm, shipper] = records;
    expect(otel!.controls).toEqual(['C1.1', 'C1.2', 'P4.2', 'CC6.7']);
    expect(Object.keys(otel!.data.findingsByKind as object).sort()).toEqual(
      ['api-key', 'aws-access-key', 'bearer-token', 'card-number', 'email', 'jwt', 'pattern:internal-token', 'prompt-field'].sort(),
    );
    expect(otel!.findings.map((f) => f.code)).toContain('config-behaviour-mismatch');
    expect(otel!.data.logs).toMatchObject({ locations: 1, linesScanned: 208, sampled: false });
    expect(otel!.data.hmacKey).toBe('generated');
    expect(edge!.findings.map((f) => [f.code, f.ref])).toEqual([['passes-prompts', 'nginx.conf:10,18']]);
    expect(vllm!.data.config).toMatchObject({ location: 'args', problem: null });
    expect(shipper!.findings.map((f) => f.code)).toEqual(['config-unknown']);
    expect(shipper!.data.config).toMatchObject({ sha256: null, problem: 'missing.conf: no such file; check the path in sources[].config' });

    // The issue's test: grep the whole evidence store for every planted secret; it holds none.
    const files = await filesIn(store.root);
    expect(files.length).toBeGreaterThan(4);
    const everything = [...(await Promise.all(files.map((f) => readFile(f, 'latin1')))), logged.join('')];
    const cardSpaced = s.card.replace(/(\d{4})(?=\d)/g, '$1 ');
    for (const [name, value] of Object.entries({ ...s, cardSpaced, jwtPayload: s.jwt.split('.')[1]! })) {
      for (const text of everything) expect(text.includes(value), `planted ${name} found`).toBe(false);
    }
  });

  it('recognises a repeat across runs by its HMAC, and keeps the generated key mode 0600', async () => {
    const dir = await tempDir();
    const s = plantedSecrets();
    await writeFile(join(dir, 'app.log'), `call failed with ${s.apiKey}\n`);
    const options = { sources: [{ name: 'app', kind: 'vllm', args: [], logs: ['app.log'] }] };
    const store = new FileStore(join(dir, 'evidence'));
    const first = await runCollectorOnce(collector, options, { configDir: dir, store });
    const second = await runCollectorOnce(collector, options, { configDir: dir, store });
    const hmacs = [first, second].map((r) => (r.records[0]!.data.hits as { hmac: string }[])[0]!.hmac);
    expect(hmacs[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacs[1]).toBe(hmacs[0]);
    expect(second.records[0]!.data.hmacKey).toBe('state');
  });

  it('needs no key for a config-only run, and makes an invalid pattern an error naming the option', async () => {
    const dir = await tempDir();
    const { records } = await runCollectorOnce(collector, { sources: [{ name: 'v', kind: 'vllm', args: ['--disable-log-requests'] }] }, { configDir: dir });
    expect(records[0]!.status).toBe('pass');
    expect(await readdir(dir)).toEqual([]);
    const bad = await runCollectorOnce(
      collector,
      { sources: [{ name: 'v', kind: 'vllm', args: [] }], patterns: [{ name: 'x', regex: 'acme_[' }] },
      { configDir: dir },
    );
    expect(bad.records[0]!.status).toBe('error');
    expect(JSON.stringify(bad.records[0]!.findings)).toContain('options.patterns[0].regex');
  });
});
