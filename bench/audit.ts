/**
 * The auditor's commands over a synthetic store of a million records (180
 * days, 20 streams of five agents: event-driven streams, stated cron and
 * calendar cadences with gaps, failed runs and skipped and missed-run notices,
 * commit ranges whose commits sit in commits.jsonl attachments, signed daily
 * checkpoints), each run as a user runs it: `node bin/evidence-agent.js …`
 * with no NODE_OPTIONS, timed from spawn to exit, with the peak RSS of its
 * process. For `verify`, the floor measured in the same run: reading and
 * SHA-256 hashing the same files and nothing else, in Node with verify's
 * concurrency and with `find | xargs sha256sum`.
 *
 *   npm run bench:audit      (RECORDS=100000 DAYS=30 npm run bench:audit for a quicker run)
 *
 * The store is built through the agent's writing path into a FileStore on
 * /dev/shm when the machine has it (else the temporary folder, or BENCH_DIR),
 * and kept there with a marker of its parameters: the next run with the same
 * RECORDS, STREAMS and DAYS reuses it. COMMANDS=coverage,population,sample,verify
 * picks what to time; CPU_PROF=<folder> writes a V8 CPU profile of each command there.
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/package-root.js';
import { mapLimit } from '../src/pool.js';
import { FileStore } from '../src/store/file-store.js';
import { benchStore } from './audit-store.js';
import { runCommand } from './run-command.js';

const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const STREAMS = Number(process.env.STREAMS ?? 20);
const DAYS = Number(process.env.DAYS ?? 180);
const COMMANDS = new Set((process.env.COMMANDS ?? 'coverage,population,sample,verify').split(','));
const GOAL_SECONDS = 30;
/** What `verify` reads at a time (VerifyOptions.concurrency's default). */
const VERIFY_CONCURRENCY = 32;

/**
 * Loaded with `--import` into the CLI's process: prints its peak RSS and CPU time when it exits. The CLI's own
 * re-start with V8 flags keeps `--import`, and the kernel keeps the peak across exec.
 */
const PROBE =
  "data:text/javascript,process.on('exit', () => { const r = process.resourceUsage(); process.stderr.write('\\nbench-probe ' + r.maxRSS + ' ' + (r.userCPUTime + r.systemCPUTime) + '\\n'); })";

interface Run {
  seconds: number;
  /** Peak RSS, MB. */
  rss: number;
  /** User and system CPU time, seconds. */
  cpu: number;
  out: string;
}

/** One `evidence-agent` command, started as a user starts it (no NODE_OPTIONS). */
async function cli(args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const profile = process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PROBE, ...profile, packagePath('bin', 'evidence-agent.js'), ...args, '--log-level', 'warn'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-8_000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  const probe = /bench-probe (\d+) (\d+)/.exec(err);
  if (code !== 0 || !probe) throw new Error(`evidence-agent ${args.join(' ')} exited with ${code}: ${err.trim().slice(-2_000)}`);
  return { seconds, rss: Number(probe[1]) / 1024, cpu: Number(probe[2]) / 1e6, out };
}

/** The floor in Node: list the store's files and read and hash each, as many at a time as verify reads. */
async function readAndHash(root: string): Promise<{ seconds: number; files: number }> {
  const started = performance.now();
  const store = new FileStore(root);
  const keys: string[] = [];
  for (const prefix of ['records/', 'blobs/', 'checkpoints/']) for await (const key of store.list(prefix)) keys.push(key);
  await mapLimit(keys, VERIFY_CONCURRENCY, async (key) =>
    createHash('sha256')
      .update(await readFile(join(root, key)))
      .digest('hex'),
  );
  return { seconds: (performance.now() - started) / 1000, files: keys.length };
}

/** The floor with the system's tools, one sha256sum per core. */
async function sha256sum(root: string): Promise<number> {
  const folders = ['records', 'blobs', 'checkpoints'].map((f) => `'${join(root, f)}'`).join(' ');
  const { seconds } = await runCommand('sh', ['-c', `find ${folders} -type f -print0 | xargs -0 -n 2000 -P ${availableParallelism()} sha256sum`], 'ignore');
  return seconds;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function row(label: string, run: Run, rate: string, note: string): void {
  console.log(
    `${label.padEnd(34)} ${run.seconds.toFixed(2).padStart(7)} s ${rate.padStart(22)} ${run.cpu.toFixed(1).padStart(6)} s ${n(run.rss).padStart(6)} MB  ${note}`,
  );
}

/** "60 of 19,437 records, multiple-daily (inferred)" from what `sample` prints. */
function sampled(out: string): string {
  const m = /Sampled (\d+) of (\d+) (records|items)/.exec(out);
  const basis = /the (inferred )?frequency (\S+) gives/.exec(out);
  if (!m) throw new Error(`cannot find the sample size in: ${out.slice(0, 500)}`);
  return `${m[1]} of ${n(Number(m[2]))} ${m[3]}${basis ? `, ${basis[2]}${basis[1] ? ' (inferred)' : ''}` : ''}`;
}

function rowsOf(out: string): number {
  const m = /: (\d+) (records|items) of control/.exec(out);
  if (!m) throw new Error(`cannot find the row count in: ${out.slice(0, 500)}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const bench = await benchStore({ records: RECORDS, streams: STREAMS, days: DAYS });
  const s = bench.summary;
  const url = `file:${bench.root}`;
  const window = ['--from', bench.from, '--to', bench.to];
  console.log(
    `store: ${n(s.records)} records, ${n(s.items)} items in them, ${n(s.attachments)} attachments, ${n(s.checkpoints)} signed checkpoints; ` +
      `${STREAMS} streams of ${s.agents} agents over ${DAYS} days (${bench.from} to ${bench.to}); ${(s.bytes / 1e9).toFixed(2)} GB of records and attachments`,
  );
  console.log(
    `       ${bench.builtIn === null ? 'kept from an earlier run' : `built in ${bench.builtIn.toFixed(0)} s (${n(s.records / bench.builtIn)} records/s)`} in ${bench.root}` +
      ' (rm -rf its folder to free the space; the commands read it from the page cache, warmed first)',
  );
  console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; each command spawned as \`node bin/evidence-agent.js …\`, no NODE_OPTIONS\n`);
  console.log(`${'command'.padEnd(34)} ${'wall'.padStart(9)} ${'rate'.padStart(22)} ${'cpu'.padStart(8)} ${'peak RSS'.padStart(9)}`);

  const scratch = await mkdtemp(join(bench.dir, 'run-'));
  const timed: Record<string, number> = {};
  try {
    // First, so that every command reads from a warm page cache.
    const floor = await readAndHash(bench.root);
    const perSecond = (count: number, run: Run, unit = 'records') => `${n(count / run.seconds)} ${unit}/s`;
    if (COMMANDS.has('coverage')) {
      const run = await cli(['coverage', '--store', url, ...window, '--json']);
      const report = JSON.parse(run.out) as { controls: { control: string; percent: number }[]; streams: { records: number }[] };
      const records = report.streams.reduce((sum, x) => sum + x.records, 0);
      const lowest = Math.min(...report.controls.map((c) => c.percent));
      row(
        'coverage --json',
        run,
        perSecond(records, run),
        `${report.controls.length} controls, ${report.streams.length} streams, lowest ${lowest.toFixed(1)}%`,
      );
      timed.coverage = run.seconds;
    }
    if (COMMANDS.has('population')) {
      const records = await cli(['population', '--store', url, ...window, '--control', 'CC7.2', '--out', join(scratch, 'records.jsonl')]);
      row('population CC7.2 (records)', records, perSecond(s.records, records), `${n(rowsOf(records.out))} rows, JSON Lines`);
      const items = await cli(['population', '--store', url, ...window, '--control', 'CC8.1', '--unit', 'item', '--out', join(scratch, 'items.csv')]);
      row(
        'population CC8.1 --unit item',
        items,
        perSecond(rowsOf(items.out), items, 'items'),
        `${n(rowsOf(items.out))} rows, CSV; ${perSecond(s.records, items)}`,
      );
    }
    if (COMMANDS.has('sample')) {
      const seed = ['--seed', 'bench-2026'];
      const records = await cli(['sample', '--store', url, ...window, '--control', 'CC7.2', ...seed, '--out', join(scratch, 'sample-records')]);
      row('sample CC7.2 (records)', records, perSecond(s.records, records), sampled(records.out));
      timed.sample = records.seconds;
      const items = await cli(['sample', '--store', url, ...window, '--control', 'CC8.1', '--unit', 'item', ...seed, '--out', join(scratch, 'sample-items')]);
      row('sample CC8.1 --unit item', items, perSecond(s.records, items), sampled(items.out));
      timed['sample --unit item'] = items.seconds;
      const pkg = await cli(['verify', '--store', `file:${join(scratch, 'sample-records')}`, '--trusted-key', bench.publicKey]);
      const held = /(\d+ selected, \d+ files).*holds (\d+ records)/.exec(pkg.out);
      row('verify (the CC7.2 package)', pkg, '', held ? `${held[1]}, ${held[2]}` : pkg.out.split('\n')[0]!);
    }
    if (COMMANDS.has('verify')) {
      const run = await cli(['verify', '--store', url, '--trusted-key', bench.publicKey, '--json']);
      const report = JSON.parse(run.out) as { ok: boolean; records: number; problems: unknown[] };
      if (!report.ok) throw new Error(`verify found ${report.problems.length} problems in the bench store: ${JSON.stringify(report.problems.slice(0, 3))}`);
      row('verify --trusted-key', run, perSecond(report.records, run), `${n(report.records)} records, no problem`);
      // The floor again after the commands, and the faster of the two: a shared machine's speed drifts.
      const again = await readAndHash(bench.root);
      const node = Math.min(floor.seconds, again.seconds);
      const tools = await sha256sum(bench.root);
      const floorRow = (label: string, seconds: number, note: string) =>
        console.log(`${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s ${`${n(s.records / seconds)} records/s`.padStart(22)}  ${note}`);
      console.log('');
      floorRow(`read + sha256, Node, ${VERIFY_CONCURRENCY} at a time`, node, `${n(floor.files)} files: records, attachments, checkpoints (faster of two runs)`);
      floorRow(`find | xargs -P ${availableParallelism()} sha256sum`, tools, 'the same files');
      console.log(
        `verify / (read + sha256): ${(run.seconds / node).toFixed(2)}x the Node floor, ${(run.seconds / tools).toFixed(2)}x sha256sum's, ${(run.seconds / Math.min(node, tools)).toFixed(2)}x the faster`,
      );
    }
    const judged = Object.entries(timed).map(([what, seconds]) => `${what} ${seconds.toFixed(1)} s ${seconds < GOAL_SECONDS ? 'met' : 'MISSED'}`);
    if (judged.length > 0) console.log(`goal (issue 16): coverage and sampling over ${n(s.records)} records under ${GOAL_SECONDS} s: ${judged.join(', ')}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
