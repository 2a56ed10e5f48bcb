/**
 * Generates GB gibibytes (default 1) of JSON Lines inference logs with rare leaks of every kind the
 * log-redaction collector detects, then, on the same file in the same run, times our scan (in a process of
 * its own, started as a user's agent would start it) and `grep -c -E` with equivalent patterns (output to a
 * file: GNU grep skips the work when its output is /dev/null). Prints MB/s of each, the ratio (goal: at
 * least 0.5 of grep's speed with all detectors on) and our process's peak RSS. Each round runs ours and
 * grep back to back; the figures are the median of ROUNDS rounds (default 3).
 *
 *   npm run bench:log-scan            (GB=0.25 npm run bench:log-scan for a quicker run)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanLogs } from '../collectors/log-redaction/observe/scan/scan-logs.js';
import { runCommand } from './run-command.js';

const GiB = 1 << 30;
const MB = 1e6;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const PROMPT_FIELDS = ['prompt', 'messages', 'completion', 'response', 'gen_ai.prompt', 'gen_ai.completion'];
const PATTERNS = [{ name: 'internal-token', regex: 'acme_[A-Za-z0-9]{32}' }];

/** What grep is asked to find: the same detectors as extended regular expressions. */
const GREP_PATTERNS = [
  '"(prompt|messages|completion|response|gen_ai\\.prompt|gen_ai\\.completion)"[[:space:]]*:',
  '"gen_ai"[[:space:]]*:[[:space:]]*\\{[^}]*"(prompt|completion)"',
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}',
  'sk-[A-Za-z0-9_-]{20,}',
  'A(KIA|SIA)[A-Z0-9]{16}',
  '[Bb]earer[[:space:]]+[A-Za-z0-9._~+/-]{16,}',
  'eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{10,}',
  '(^|[^A-Za-z0-9_.])[2-6][0-9]{3}([ -]?[0-9]{4}){2}[ -]?[0-9]{1,7}([^A-Za-z0-9_]|$)',
  'acme_[A-Za-z0-9]{32}',
];

/** One leak of each kind, every LEAK_EVERY lines in turn, as a field of an otherwise ordinary record. */
const LEAKS: Array<[string, string]> = [
  ['user', 'jane.doe@example.com'],
  ['api_key', `sk-proj-${'Ab3'.repeat(12)}`],
  ['aws', 'AKIAIOSFODNN7EXAMPLE'],
  ['auth', 'Bearer opaqueToken0123456789abcdef'],
  ['id_token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['card', '4111 1111 1111 1111'],
  ['token', `acme_${'x9Y'.repeat(10)}zz`],
  ['prompt', 'Summarise the attached contract'],
];
const LEAK_EVERY = 50_000;

/** Runs in a child process, so that the generator's buffers do not count against the scan. */
function generate(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  const models = ['llama-3-70b-instruct', 'mistral-large-2407', 'gpt-4o-2024-08-06', 'claude-3-5-sonnet'];
  const routes = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
  let written = 0;
  let leaks = 0;
  let batch: string[] = [];
  for (let i = 0; written < bytes; i++) {
    const t = 1_767_225_600_000 + i * 13;
    const record: Record<string, unknown> = {
      '@timestamp': new Date(t).toISOString(),
      level: i % 50 === 0 ? 'warn' : 'info',
      service: 'inference-gateway',
      trace_id: randomBytes(16).toString('hex'),
      span_id: randomBytes(8).toString('hex'),
      route: routes[i % routes.length],
      model: models[i % models.length],
      'gen_ai.usage.input_tokens': (i * 7919) % 4000,
      'gen_ai.usage.output_tokens': (i * 104729) % 1500,
      latency_ms: ((i * 31) % 9000) / 3,
      ttft_ms: ((i * 17) % 900) + 0.25,
      status: i % 97 === 0 ? 429 : 200,
      user_agent: 'python-httpx/0.27.0',
      client_ip: `10.${i % 255}.${(i >> 8) % 255}.${(i >> 16) % 255}`,
      unix_nano: `${t}000000`,
      msg: 'request completed; prompt and completion dropped by the redaction processor',
    };
    if (i % LEAK_EVERY === LEAK_EVERY - 1) {
      const [field, value] = LEAKS[leaks % LEAKS.length]!;
      record[field] = value;
      leaks++;
    }
    const line = `${JSON.stringify(record)}\n`;
    written += line.length;
    batch.push(line);
    if (batch.length === 2000) {
      writeSync(fd, batch.join(''));
      batch = [];
    }
  }
  writeSync(fd, batch.join(''));
  closeSync(fd);
  process.stdout.write(JSON.stringify({ bytes: written, leaks }));
}

/** The scan as the collector runs it, in this process; prints its figures as JSON for the parent. */
async function scanOnly(file: string, sampleLines: number): Promise<void> {
  const started = performance.now();
  const result = await scanLogs([file], {
    promptFields: PROMPT_FIELDS,
    patterns: PATTERNS,
    sampleLines,
    seed: 'bench',
    key: randomBytes(32),
    resolvePath: (p) => p,
    settings: {},
    signal: new AbortController().signal,
  });
  const seconds = (performance.now() - started) / 1000;
  const { hits: _, ...figures } = result;
  process.stdout.write(JSON.stringify({ ...figures, seconds, maxRssKiB: process.resourceUsage().maxRSS }));
}

interface OurRun {
  locations: number;
  linesScanned: number;
  bytesScanned: number;
  counts: Record<string, number>;
  seconds: number;
  maxRssKiB: number;
}

async function main(): Promise<void> {
  const bytes = Math.round(Number(process.env.GB ?? 1) * GiB);
  const dir = await mkdtemp(join(tmpdir(), 'ea-bench-logs-'));
  const file = join(dir, 'inference.jsonl');
  const self = fileURLToPath(import.meta.url);
  try {
    const g0 = performance.now();
    const generated = JSON.parse((await runCommand(process.execPath, [self, '--generate', file, String(bytes)])).out) as { bytes: number; leaks: number };
    spawnSync('sync');
    console.log(
      `log:                  ${(generated.bytes / MB).toFixed(0)} MB of JSON Lines, ${generated.leaks} planted leaks (written in ${((performance.now() - g0) / 1000).toFixed(1)} s)`,
    );
    console.log(`machine:              node ${process.version}, ${(await runCommand('grep', ['--version'])).out.split('\n')[0]}`);
    // Read once so that both sides start from a warm page cache.
    await runCommand('cat', [file], 'ignore');

    const grepOut = join(dir, 'grep.out');
    const grepArgs = ['-c', '-E', ...GREP_PATTERNS.flatMap((p) => ['-e', p]), file];
    const ours: number[] = [];
    const oursInside: number[] = [];
    const greps: number[] = [];
    const rss: number[] = [];
    let last: OurRun | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await runCommand(process.execPath, [self, '--scan', file, '0']);
      last = JSON.parse(r.out) as OurRun;
      ours.push(generated.bytes / r.seconds / MB);
      oursInside.push(generated.bytes / last.seconds / MB);
      rss.push(last.maxRssKiB);
      const g = await runCommand('sh', ['-c', `LC_ALL=C grep "$@" > ${grepOut}`, 'grep', ...grepArgs]);
      greps.push(generated.bytes / g.seconds / MB);
    }
    const grepLines = Number((await readFile(grepOut, 'utf8')).trim());
    const sampled = JSON.parse((await runCommand(process.execPath, [self, '--scan', file, '10000'])).out) as OurRun;
    const found = Object.values(last!.counts).reduce((a, b) => a + b, 0);
    const all = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`lines:                ${last!.linesScanned}; ours found ${found} leaks (${JSON.stringify(last!.counts)}), grep -c counted ${grepLines} lines`);
    console.log(
      `ours, all detectors:  ${median(ours).toFixed(0)} MB/s  (median of ${all(ours)}; whole process as started; inside the scan: ${median(oursInside).toFixed(0)} MB/s)`,
    );
    console.log(`grep -c -E, LC_ALL=C: ${median(greps).toFixed(0)} MB/s  (median of ${all(greps)}; ${GREP_PATTERNS.length} patterns, output to a file)`);
    console.log(`ours / grep:          ${(median(ours) / median(greps)).toFixed(2)}x  (goal: at least 0.50x)`);
    console.log(
      `ours, sampled 10000:  ${(sampled.bytesScanned / sampled.seconds / MB).toFixed(0)} MB/s  (lines still counted to the end; ${sampled.linesScanned} lines scanned)`,
    );
    console.log(`peak RSS, ours:       ${((median(rss) * 1024) / MB).toFixed(0)} MB (maxRSS ${all(rss)} KiB)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--generate') generate(process.argv[3]!, Number(process.argv[4]));
else if (process.argv[2] === '--scan') await scanOnly(process.argv[3]!, Number(process.argv[4]));
else await main();
