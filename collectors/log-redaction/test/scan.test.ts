import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { LINE_WINDOW } from '../observe/scan/line-stream.js';
import { READ_CHUNK } from '../observe/scan/locations.js';
import { scanLogs } from '../observe/scan/scan-logs.js';
import { hmac, options, PLANTED, plantedIn, where } from './scan-helpers.js';

const P = PLANTED;
const jsonl = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const quiet = (i: number) => ({
  ts: 1767225600123 + i,
  level: 'info',
  model: 'llama-3-70b',
  usage: { prompt_tokens: 12, completion_tokens: 40 },
  latency_ms: 2310,
});

/** JSON Lines with one leak of each kind, each on its own line, between clean lines. */
const inferenceLog = jsonl([
  quiet(1),
  { ...quiet(2), user: P.email },
  { ...quiet(3), headers: { authorization: `Bearer ${P.bearer}` } },
  { ...quiet(4), note: `keys ${P.openai} and ${P.anthropic}`, old: P.legacy },
  { ...quiet(5), aws: P.aws, session: P.awsSession },
  { ...quiet(6), id_token: P.jwt },
  { ...quiet(7), card: P.card, amex: P.amex, notACard: '4111 1111 1111 1112', ratio: 0.4111111111111111 },
  { ...quiet(8), token: P.internal },
  { ...quiet(9), prompt: P.prompt },
  { ...quiet(10), gen_ai: { prompt: P.prompt } },
  { ...quiet(11), attributes: { 'gen_ai.completion': P.completion } },
  { ...quiet(12), messages: [{ role: 'user', content: P.prompt }] },
  { ...quiet(13), prompt: '[REDACTED]', completion: '', response: null, messages: [], 'gen_ai.prompt': '***' },
  quiet(14),
]);

describe('scanLogs on local files', () => {
  it('finds each leak kind and prompt field in JSON Lines, with its line and a keyed hash, and nothing in redacted fields', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'gateway.jsonl'), inferenceLog);
    const result = await scanLogs(['gateway.jsonl'], options({ resolvePath: (p) => join(dir, p) }));
    expect(where(result)).toEqual([
      [2, 'email'],
      [3, 'bearer-token'],
      [4, 'api-key'],
      [4, 'api-key'],
      [4, 'api-key'],
      [5, 'aws-access-key'],
      [5, 'aws-access-key'],
      [6, 'jwt'],
      [7, 'card-number'],
      [7, 'card-number'],
      [8, 'pattern:internal-token'],
      [9, 'prompt-field', 'prompt'],
      [10, 'prompt-field', 'gen_ai.prompt'],
      [11, 'prompt-field', 'gen_ai.completion'],
      [12, 'prompt-field', 'messages'],
    ]);
    expect(result).toMatchObject({ locations: 1, linesScanned: 14, sampled: false, hitsOmitted: 0, unreadable: [] });
    expect(result.counts).toEqual({
      email: 1,
      'bearer-token': 1,
      'api-key': 3,
      'aws-access-key': 2,
      jwt: 1,
      'card-number': 2,
      'pattern:internal-token': 1,
      'prompt-field': 4,
    });
    expect(result.hits.every((h) => h.location === join(dir, 'gateway.jsonl'))).toBe(true);
    // The same value gives the same hash wherever it is, so a repeat is recognised; cards by their digits.
    expect(result.hits[0]!.hmac).toBe(hmac(P.email));
    expect(result.hits[1]!.hmac).toBe(hmac(P.bearer));
    expect(result.hits[8]!.hmac).toBe(hmac(P.card.replace(/ /g, '')));
    expect(result.hits[11]!.hmac).toBe(result.hits[12]!.hmac);
    expect(plantedIn(JSON.stringify(result))).toBe(0);
  });

  it('reads plain text logs: prompt fields as `name: value` or `name=value`, secrets anywhere', async () => {
    const dir = await tempDir();
    const file = join(dir, 'vllm.log');
    await writeFile(
      file,
      [
        'INFO 01-01 12:00:00 engine.py:310] Added request cmpl-1.',
        `INFO 01-01 12:00:01 logger.py:39] Received request cmpl-2: prompt: '${P.plainPrompt}', params: SamplingParams(n=1), lora_request: None.`,
        `level=info msg="call" user=${P.email} completion="${P.completion}"`,
        `level=info msg="call" prompt=<redacted> gen_ai.prompt="[REDACTED]"`,
        `2026-01-01T12:00:03Z upstream sent Authorization: Bearer ${P.bearer}`,
      ].join('\n'),
    );
    const result = await scanLogs([file], options());
    expect(where(result)).toEqual([
      [2, 'prompt-field', 'prompt'],
      [3, 'prompt-field', 'completion'],
      [3, 'email'],
      [5, 'bearer-token'],
    ]);
    expect(result.hits[0]!.hmac).toBe(hmac(P.plainPrompt));
    expect(result.linesScanned).toBe(5);
  });

  it('scans a huge single line in windows without holding it whole, and counts the lines after it right', async () => {
    const dir = await tempDir();
    const file = join(dir, 'blob.jsonl');
    const filler = (n: number) => 'lorem ipsum '.repeat(Math.ceil(n / 12)).slice(0, n);
    // Over three windows and two read chunks long: leaks at the start, past a window, and at the very end.
    const huge = `{"blob":"${P.aws} ${filler(LINE_WINDOW + 5000)} ${P.email} ${filler(READ_CHUNK + LINE_WINDOW)} ${P.internal}"}`;
    await writeFile(file, `${JSON.stringify(quiet(1))}\n${huge}\n${JSON.stringify({ prompt: P.prompt })}\n`);
    const result = await scanLogs([file], options());
    expect(where(result)).toEqual([
      [2, 'aws-access-key'],
      [2, 'email'],
      [2, 'pattern:internal-token'],
      [3, 'prompt-field', 'prompt'],
    ]);
    expect(result.linesScanned).toBe(3);
    expect(result.bytesScanned).toBe(
      Buffer.byteLength(huge) + Buffer.byteLength(JSON.stringify(quiet(1))) + Buffer.byteLength(JSON.stringify({ prompt: P.prompt })) + 3,
    );
  });

  it('numbers lines right across read chunks, whichever side of a chunk edge a leak or a newline falls', async () => {
    const dir = await tempDir();
    const file = join(dir, 'many.jsonl');
    const lines: string[] = [];
    const expected: number[] = [];
    for (let i = 1; i <= 40_000; i++) {
      const leak = i % 997 === 0;
      if (leak) expected.push(i);
      lines.push(JSON.stringify(leak ? { ...quiet(i), user: P.email } : { ...quiet(i), pad: 'x'.repeat(i % 300) }));
    }
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await scanLogs([file], options());
    expect(result.bytesScanned).toBeGreaterThan(2 * READ_CHUNK);
    expect(result.hits.map((h) => h.line)).toEqual(expected);
    expect(result.linesScanned).toBe(40_000);
  });

  it('reads invalid UTF-8 without crashing, and finds the leaks beside it on the right lines', async () => {
    const dir = await tempDir();
    const file = join(dir, 'mixed.log');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from('ok line\n'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x20]),
        Buffer.from(`user ${P.email} `),
        Buffer.from([0xe2, 0x82, 0x0a]),
        Buffer.from([0x80, 0x80, 0x80, 0x0a]),
        Buffer.from(`{"prompt":"${P.prompt}",\xff}\n`, 'latin1'),
        Buffer.from(`key=${P.openai}\n`),
      ]),
    );
    const result = await scanLogs([file], options());
    expect(where(result)).toEqual([
      [2, 'email'],
      [4, 'prompt-field', 'prompt'],
      [5, 'api-key'],
    ]);
    expect(result.hits[0]!.hmac).toBe(hmac(P.email));
    expect(result.linesScanned).toBe(5);
  });

  it('decompresses .gz logs as a stream and finds the same leaks as in the plain file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'gateway.jsonl'), inferenceLog);
    await writeFile(join(dir, 'gateway.jsonl.1.gz'), gzipSync(inferenceLog));
    const plain = await scanLogs([join(dir, 'gateway.jsonl')], options());
    const gz = await scanLogs([join(dir, 'gateway.jsonl.1.gz')], options());
    expect(gz.hits.map(({ location: _, ...h }) => h)).toEqual(plain.hits.map(({ location: _, ...h }) => h));
    expect(gz.bytesScanned).toBe(Buffer.byteLength(inferenceLog));
  });

  it('expands globs and folders relative to the config folder, in a stable order', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'logs', 'old'), { recursive: true });
    await writeFile(join(dir, 'logs', 'b.jsonl'), jsonl([{ user: P.email }]));
    await writeFile(join(dir, 'logs', 'a.jsonl'), jsonl([quiet(1), { aws: P.aws }]));
    await writeFile(join(dir, 'logs', 'old', 'c.jsonl'), jsonl([{ prompt: P.prompt }]));
    await writeFile(join(dir, 'logs', 'skip.txt'), `${P.email}\n`);
    const resolvePath = (p: string) => join(dir, p);
    const globbed = await scanLogs(['logs/*.jsonl'], options({ resolvePath }));
    expect(globbed.hits.map((h) => [h.location.slice(dir.length + 1), h.line, h.kind])).toEqual([
      ['logs/a.jsonl', 2, 'aws-access-key'],
      ['logs/b.jsonl', 1, 'email'],
    ]);
    const folder = await scanLogs(['logs/old'], options({ resolvePath }));
    expect(folder).toMatchObject({ locations: 1, counts: { 'prompt-field': 1 } });
  });

  it('reports what cannot be read (missing, unmatched, forbidden, corrupt gzip) and goes on with the rest', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), jsonl([{ user: P.email }]));
    await writeFile(join(dir, 'bad.jsonl.gz'), Buffer.concat([gzipSync(`{"user":"${P.email}"}\n`).subarray(0, 12), Buffer.from('not gzip at all')]));
    const resolvePath = (p: string) => join(dir, p);
    const result = await scanLogs(['missing.jsonl', 'nothing/*.jsonl', 'bad.jsonl.gz', 'good.jsonl'], options({ resolvePath }));
    expect(result.unreadable).toEqual([
      { location: join(dir, 'missing.jsonl'), reason: expect.stringMatching(/^ENOENT: it does not exist/) },
      { location: join(dir, 'nothing/*.jsonl'), reason: expect.stringMatching(/no file matches it/) },
      { location: join(dir, 'bad.jsonl.gz'), reason: expect.stringMatching(/gzip|header/) },
    ]);
    expect(result).toMatchObject({ locations: 2, counts: { email: 1 } });
    expect(plantedIn(JSON.stringify(result))).toBe(0);
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission as unreadable', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'secret.jsonl'), jsonl([{ user: P.email }]));
    await chmod(join(dir, 'secret.jsonl'), 0o000);
    const result = await scanLogs([join(dir, 'secret.jsonl')], options());
    expect(result.unreadable).toEqual([{ location: join(dir, 'secret.jsonl'), reason: expect.stringMatching(/^EACCES: permission denied/) }]);
  });

  it('keeps the first maxHits hits and counts the rest', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), jsonl(Array.from({ length: 30 }, (_, i) => ({ user: `user${i}@example.com` }))));
    const result = await scanLogs([join(dir, 'a.jsonl')], options({ maxHits: 10 }));
    expect(result).toMatchObject({ counts: { email: 30 }, hitsOmitted: 20 });
    expect(result.hits.map((h) => h.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses an invalid configured pattern, naming it and not echoing log content', async () => {
    await expect(scanLogs([], options({ patterns: [{ name: 'broken', regex: 'acme_[' }] }))).rejects.toThrow(
      /patterns: "broken" is not a valid regular expression/,
    );
  });

  it('finds configured patterns that have no literal prefix', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.log'), 'x\nemployee id E-12345678 seen\ny\n');
    const result = await scanLogs([join(dir, 'a.log')], options({ patterns: [{ name: 'employee', regex: '[A-Z]-\\d{8}' }] }));
    expect(where(result)).toEqual([[2, 'pattern:employee']]);
  });
});

describe('scanLogs sampling', () => {
  const write = async () => {
    const dir = await tempDir();
    // Every line leaks, so the hits name exactly the sampled lines; two files share one reservoir.
    const make = (from: number) => jsonl(Array.from({ length: 600 }, (_, i) => ({ n: from + i, user: `user${from + i}@example.com` })));
    await writeFile(join(dir, 'a.jsonl'), make(0));
    await writeFile(join(dir, 'b.jsonl'), make(600));
    return [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
  };

  it('scans a seeded reservoir of sampleLines lines across the locations, the same one for the same seed', async () => {
    const files = await write();
    const first = await scanLogs(files, options({ sampleLines: 50, seed: 'agent-1/otel' }));
    const again = await scanLogs(files, options({ sampleLines: 50, seed: 'agent-1/otel' }));
    const other = await scanLogs(files, options({ sampleLines: 50, seed: 'agent-2/otel' }));
    expect(first).toMatchObject({ sampled: true, linesScanned: 50, counts: { email: 50 }, hitsOmitted: 0 });
    expect(first.hits).toHaveLength(50);
    expect(again.hits).toEqual(first.hits);
    expect(other.hits).not.toEqual(first.hits);
    // Drawn from the whole source, not only its first lines or its first file.
    const lines = first.hits.map((h) => (h.location === files[0] ? h.line : 600 + h.line));
    expect(Math.max(...lines)).toBeGreaterThan(900);
    expect(Math.min(...lines)).toBeLessThan(300);
    expect(new Set(lines).size).toBe(50);
  });

  it('scans every line when the source has fewer lines than the sample', async () => {
    const files = await write();
    const result = await scanLogs(files, options({ sampleLines: 5000 }));
    expect(result).toMatchObject({ sampled: true, linesScanned: 1200, counts: { email: 1200 } });
  });
});
