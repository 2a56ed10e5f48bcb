/**
 * Builds a repository of 100,000 commits with `git fast-import` (humans
 * committing directly, maintenance bots, agent branches merged with and
 * without Reviewed-by trailers), then measures, in the same run and in a
 * fresh process of its own, the commit-trail collector against the raw
 * `git log` it runs (read by a Node process of its own, so that its output
 * does not count in the collector's peak RSS). Prints commits/s for both, the
 * ratio and peak RSS: once
 * for the repository as fast-import leaves it, and once with the
 * commit-graph `git gc` writes, which makes git's own walk cheaper. A third
 * case is a linear history of as many commits, without a commit-graph, read
 * with a window that starts before its first commit (where finding the
 * window's start costs a walk of its own unless the one pass finds it), also
 * measured as a user starts the CLI: `bin/evidence-agent.js snapshot` with no
 * NODE_OPTIONS, its wall time and peak RSS.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/commit-trail.js      (COMMITS=20000 for a quicker run)
 *
 * BENCH_REPO=<folder> keeps the built repositories there (the linear one in
 * <folder>-linear) and reuses them on the next run, so repeated measurements
 * skip the build; ROUNDS=<n> sets the rounds (15); CASES=plain,graph,linear
 * picks the cases (all three).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import commitTrail from '../collectors/commit-trail/index.js';
import { gitEnvironment } from '../collectors/commit-trail/observe/git-env.js';
import { logArgs } from '../collectors/commit-trail/observe/git-log.js';
import type { RangePayload, WindowOption } from '../collectors/commit-trail/schema.js';
import { checkOptions } from '../src/collector/registry.js';
import { runCollectors } from '../src/collector/runner.js';
import { packagePath } from '../src/package-root.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';

const COMMITS = Number(process.env.COMMITS ?? 100_000);
// git's own run time moves by a third from one run to the next on a shared machine (its instructions do not
// change, its cycles do): fifteen rounds give a median that holds still between runs of the bench.
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const CASES = new Set((process.env.CASES ?? 'plain,graph,linear').split(','));
/** For the linear case: a window that starts long before its first commit (2025-01-01). */
const WIDE_WINDOW: WindowOption = { since: '2000-01-01' };

const HUMANS = ['Alice Developer <alice@acme.example>', 'Bob Reviewer <bob@acme.example>', 'Carol Lead <carol@acme.example>', 'Dan Ops <dan@acme.example>'];
const BOTS = ['dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>', 'renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>'];
const CLAUDE = 'Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';

/** A small deterministic generator, so every run builds the same repository. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

/** The fast-import stream, one commit at a time, so the build holds no history in memory. */
function* importStream(total: number): Generator<string> {
  const next = random(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  let mark = 0;
  let mainTip = 0;
  let time = Date.UTC(2025, 0, 1) / 1000;
  const commit = (ref: string, who: string, message: string, from: number, merge = 0): string => {
    mark++;
    time += 30;
    const file = `content of change ${mark}\n`;
    return (
      `commit ${ref}\nmark :${mark}\nauthor ${who} ${time} +0000\ncommitter ${who} ${time} +0000\n` +
      `data ${Buffer.byteLength(message)}\n${message}\n` +
      (from ? `from :${from}\n` : '') +
      (merge ? `merge :${merge}\n` : '') +
      `M 100644 inline src/file-${mark % 500}.txt\ndata ${file.length}\n${file}\n`
    );
  };
  while (mark < total) {
    const roll = next();
    if (roll < 0.55 || mark === 0 || total - mark < 5) {
      const who = pick(HUMANS);
      yield commit('refs/heads/main', who, `Human change ${mark}\n\nDetails of the change.\n`, mainTip);
      mainTip = mark;
    } else if (roll < 0.65) {
      const bot = pick(BOTS);
      yield commit('refs/heads/main', bot, `Bump dependency ${mark}\n`, mainTip);
      mainTip = mark;
    } else {
      // An agent branch of one to three commits, merged by a human, usually with a review trailer.
      const human = pick(HUMANS);
      let tip = mainTip;
      const size = 1 + Math.floor(next() * 3);
      for (let i = 0; i < size; i++) {
        const kind = next();
        const [who, message] =
          kind < 0.5
            ? [human, `Agent change ${mark}\n\nGenerated with [Claude Code](https://claude.com/claude-code)\n\n${CLAUDE}\n`]
            : kind < 0.8
              ? ['Copilot <198982749+Copilot@users.noreply.github.com>', `Copilot change ${mark}\n`]
              : [human, `Cursor change ${mark}\n\nCo-authored-by: Cursor <cursoragent@cursor.com>\n`];
        yield commit('refs/heads/topic', who, message, tip);
        tip = mark;
      }
      const reviewer = pick(HUMANS.filter((h) => h !== human));
      const trailer = next() < 0.8 ? `\nReviewed-by: ${reviewer}\n` : '';
      yield commit('refs/heads/main', human, `Merge branch 'topic-${mark}'\n${trailer}`, mainTip, tip);
      mainTip = mark;
    }
  }
}

/** A linear history: humans, bots and agents committing straight to main, no merge. */
function* linearStream(total: number): Generator<string> {
  const next = random(7);
  const time = Date.UTC(2025, 0, 1) / 1000;
  for (let mark = 1; mark <= total; mark++) {
    const roll = next();
    const [who, message] =
      roll < 0.7
        ? [HUMANS[mark % HUMANS.length]!, `Human change ${mark}\n\nDetails of the change.\n`]
        : roll < 0.8
          ? [BOTS[mark % BOTS.length]!, `Bump dependency ${mark}\n`]
          : [HUMANS[mark % HUMANS.length]!, `Agent change ${mark}\n\n${CLAUDE}\n`];
    const file = `content of change ${mark}\n`;
    yield `commit refs/heads/main\nmark :${mark}\nauthor ${who} ${time + 30 * mark} +0000\ncommitter ${who} ${time + 30 * mark} +0000\n` +
      `data ${Buffer.byteLength(message)}\n${message}\n` +
      (mark > 1 ? `from :${mark - 1}\n` : '') +
      `M 100644 inline src/file-${mark % 500}.txt\ndata ${file.length}\n${file}\n`;
  }
}

function git(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]} exited with ${code}`))));
  });
}

async function build(repo: string, stream: Iterable<string>): Promise<void> {
  await git(['init', '-q', '-b', 'main', repo], tmpdir());
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: repo, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  let pending = '';
  const write = async () => {
    if (!child.stdin.write(pending)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    pending = '';
  };
  for (const chunk of stream) {
    pending += chunk;
    if (pending.length > 256 * 1024) await write();
  }
  await write();
  child.stdin.end();
  if ((await done) !== 0) throw new Error('git fast-import failed');
}

/** The raw floor: the collector's own `git log`, read and thrown away. */
function timeRawLog(repo: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('git', logArgs({ to: 'main', exclude: null }), { cwd: repo, env: gitEnvironment(), stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`git log exited with ${code}`))));
  });
}

/** timeRawLog in a process of its own: the 24 MB it reads and drops would otherwise swell this process's peak RSS. */
async function rawLog(repo: string): Promise<number> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--raw', repo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`timing the raw git log failed (exit ${code})`);
  return Number(out);
}

async function collector(repo: string, storeDir: string, window: WindowOption | undefined): Promise<{ seconds: number; record: EvidenceRecord }> {
  const { options } = checkOptions(commitTrail, { repos: [{ path: repo, branch: 'main' }], ...(window ? { window } : {}) });
  let record: EvidenceRecord | undefined;
  const started = performance.now();
  await runCollectors([{ id: 'bench', collector: commitTrail, options, controls: commitTrail.controls, timeoutMs: 600_000, drillsAllowed: false }], {
    store: new FileStore(storeDir),
    agent: { id: 'bench', version: 'bench', host: 'bench', configSha256: '0'.repeat(64) },
    clock: { now: () => new Date() },
    log: pino({ level: 'silent' }),
    configDir: repo,
    concurrency: 1,
    onRecord: (r) => (record = r),
  });
  const seconds = (performance.now() - started) / 1000;
  if (!record || record.status === 'error') throw new Error(`the collector failed: ${record?.summary ?? 'no record'}`);
  return { seconds, record };
}

/**
 * The raw `git log` again, with a busy loop on another core for its whole
 * run: what git's time becomes when anything else computes beside it on this
 * machine (the cores share caches and memory bandwidth), which a consumer
 * that parses while git prints cannot avoid.
 */
async function rawLogBesideBusyCore(repo: string): Promise<number> {
  // A process of its own, so its memory is not counted in this process's peak RSS.
  const spinner = spawn(process.execPath, ['-e', 'let x = 0; for (;;) x = (x * 31 + 7) | 0;'], { stdio: 'ignore' });
  try {
    return await rawLog(repo);
  } finally {
    spinner.kill('SIGKILL');
    await new Promise((resolve) => (spinner.exitCode !== null || spinner.signalCode !== null ? resolve(null) : spinner.once('exit', resolve)));
  }
}

/** The repository in `dir`, built from `stream` unless `reuse` and it is there already. */
async function repository(dir: string, reuse: boolean, stream: Iterable<string>): Promise<string> {
  if (reuse && existsSync(join(dir, '.git', 'HEAD'))) {
    console.log(`reusing the repository in ${dir}`);
    return dir;
  }
  const t0 = performance.now();
  await build(dir, stream);
  console.log(`built ${COMMITS.toLocaleString('en-US')} commits with git fast-import in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs in a process of its own, so peak RSS is the measurement's, not the build's. */
async function measure(repo: string, scratch: string, label: string, window: WindowOption | undefined): Promise<void> {
  await rawLog(repo);
  const raw: number[] = [];
  const ours: number[] = [];
  const contended: number[] = [];
  let record: EvidenceRecord | undefined;
  let firstRss = 0;
  for (let i = 0; i < ROUNDS; i++) {
    raw.push(await rawLog(repo));
    // A fresh store each round: a second run on the same stream would continue from the first and read nothing.
    const run = await collector(repo, join(scratch, `store-${i}`), window);
    ours.push(run.seconds);
    contended.push(await rawLogBesideBusyCore(repo));
    record = run.record;
    if (i === 0) firstRss = process.resourceUsage().maxRSS / 1024;
  }
  const data = record!.data as Pick<RangePayload, 'counts' | 'merges' | 'review'>;
  const commits = data.counts.agent + data.counts.bot + data.counts.human;
  if (commits !== COMMITS) throw new Error(`the record counts ${commits} commits, the repository has ${COMMITS}`);
  const rate = (s: number) => Math.round(commits / s).toLocaleString('en-US');
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`\n${label}`);
  console.log(
    `commits:              ${commits.toLocaleString('en-US')} (${data.counts.agent} agent, ${data.counts.bot} bot, ${data.counts.human} human; ${data.merges} merges)`,
  );
  console.log(
    `review:               ${data.review.required} agent commits need review, ${data.review.missing} lack it; detail ${record!.attachments[0]?.size ?? 0} bytes of JSON Lines`,
  );
  console.log(`raw git log:          ${median(raw).toFixed(2)} s  ${rate(median(raw))} commits/s  (median of ${ROUNDS})`);
  console.log(`commit-trail:         ${median(ours).toFixed(2)} s  ${rate(median(ours))} commits/s  (median of ${ROUNDS}, record and attachment written)`);
  // Each round times them back to back; the machine's speed drifts between rounds more than within one.
  const ratios = ours.map((s, i) => s / raw[i]!);
  const busyRatios = contended.map((s, i) => s / raw[i]!);
  console.log(
    `raw, other core busy: ${median(contended).toFixed(2)} s  ${median(busyRatios).toFixed(2)}x raw  (git alone but for a busy loop on the other core: the cost of any work done beside it)`,
  );
  console.log(
    `commit-trail / raw:   ${median(ratios).toFixed(2)}x  (median of the ${ROUNDS} rounds' ratios: ${[...ratios]
      .sort((a, b) => a - b)
      .map((r) => r.toFixed(2))
      .join(' ')}; goal: at most 1.20x)`,
  );
  // The fastest run of each is the one least disturbed by the rest of a shared machine.
  console.log(
    `best / best:          ${(Math.min(...ours) / Math.min(...raw)).toFixed(2)}x  (fastest commit-trail run ${Math.min(...ours).toFixed(2)} s over fastest raw run ${Math.min(...raw).toFixed(2)} s)`,
  );
  console.log(
    `peak RSS:             ${firstRss.toFixed(0)} MB after one run, ${rss.toFixed(0)} MB after all ${ROUNDS}  (goal: under 150 MB; the process that runs the collector, git's own memory not included)`,
  );
}

async function measureApart(repo: string, scratch: string, label: string, window?: WindowOption): Promise<void> {
  // With the young-generation size the agent's deployments pin (NODE_OPTIONS in deploy/Dockerfile and the systemd unit).
  const args = ['--max-semi-space-size=16', fileURLToPath(import.meta.url), '--measure', repo, scratch, label, JSON.stringify(window ?? null)];
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: process.env });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`the measurement failed (exit ${code})`);
}

/**
 * Loaded with `--import` into the CLI's process: prints its peak RSS when it
 * exits. The CLI's own re-start with V8 flags keeps `--import`, so this reports
 * the process that runs the collector (the kernel keeps the peak across exec).
 */
const RSS_PROBE = `data:text/javascript,process.on('exit', () => process.stderr.write('\\nbench-max-rss ' + process.resourceUsage().maxRSS + '\\n'))`;

/** One `evidence-agent snapshot`, started as a user starts it (no NODE_OPTIONS): its wall time and peak RSS in MB. */
async function cliSnapshot(config: string): Promise<{ seconds: number; rss: number }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', RSS_PROBE, packagePath('bin', 'evidence-agent.js'), 'snapshot', '--config', config, '--log-level', 'warn'],
    {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  const rss = /bench-max-rss (\d+)/.exec(stderr)?.[1];
  // Exit 3 would be --fail-on; a snapshot whose records fail still exits 0.
  if (code !== 0 || !rss) throw new Error(`evidence-agent snapshot exited with ${code}: ${stderr.trim().slice(0, 2000)}`);
  return { seconds, rss: Number(rss) / 1024 };
}

/** The linear case through the CLI, a fresh store each round; prints the medians beside the raw `git log`. */
async function measureCli(repo: string, scratch: string): Promise<void> {
  const rounds = Math.min(ROUNDS, 5);
  const raw: number[] = [];
  const runs: { seconds: number; rss: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    const dir = join(scratch, `cli-${i}`);
    await mkdir(dir, { recursive: true });
    const config = join(dir, 'evidence-agent.yaml');
    const collectors = [{ id: 'commits', use: 'commit-trail', options: { repos: [{ path: repo, branch: 'main' }], window: WIDE_WINDOW } }];
    await writeFile(config, JSON.stringify({ agent: { id: 'bench' }, store: { url: 'file:./store' }, collectors }));
    raw.push(await rawLog(repo));
    runs.push(await cliSnapshot(config));
  }
  const seconds = median(runs.map((r) => r.seconds));
  console.log(
    `CLI, no NODE_OPTIONS: ${seconds.toFixed(2)} s  ${median(runs.map((r, i) => r.seconds / raw[i]!)).toFixed(2)}x raw  (median of ${rounds} \`evidence-agent snapshot\` runs, start-up included)`,
  );
  console.log(
    `CLI peak RSS:         ${median(runs.map((r) => r.rss)).toFixed(0)} MB median, ${Math.max(...runs.map((r) => r.rss)).toFixed(0)} MB highest  (goal: under 150 MB)`,
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') {
    const window = JSON.parse(process.argv[6]!) as WindowOption | null;
    return measure(process.argv[3]!, process.argv[4]!, process.argv[5]!, window ?? undefined);
  }
  if (process.argv[2] === '--raw') return void console.log(await timeRawLog(process.argv[3]!));
  const root = await mkdtemp(join(tmpdir(), 'ea-bench-commit-trail-'));
  const kept = process.env.BENCH_REPO;
  try {
    if (CASES.has('plain') || CASES.has('graph')) {
      const repo = await repository(kept ?? join(root, 'repo'), kept !== undefined, importStream(COMMITS));
      await rm(join(repo, '.git', 'objects', 'info', 'commit-graph'), { force: true });
      if (CASES.has('plain')) await measureApart(repo, join(root, 'plain'), 'as git fast-import leaves it (no commit-graph):');
      if (CASES.has('graph')) {
        await git(['commit-graph', 'write', '--reachable', '--no-progress'], repo);
        await measureApart(repo, join(root, 'graph'), 'with a commit-graph, as git gc writes one:');
      }
    }
    if (CASES.has('linear')) {
      const repo = await repository(kept ? `${kept}-linear` : join(root, 'linear'), kept !== undefined, linearStream(COMMITS));
      await rm(join(repo, '.git', 'objects', 'info', 'commit-graph'), { force: true });
      await measureApart(repo, join(root, 'linear-run'), `linear, no commit-graph, window since ${WIDE_WINDOW.since} (before its first commit):`, WIDE_WINDOW);
      await measureCli(repo, join(root, 'linear-cli'));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
