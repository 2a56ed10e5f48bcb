/**
 * Hashes a generated model of MODEL_GB gigabytes (default 4: many files of various sizes, one above
 * 1 GiB) and prints, in the same run: our throughput with warm files, `openssl dgst -sha256` over the
 * same files one after another, the `openssl speed -evp sha256 -multi <cores>` limit, the ratios, the
 * cold-cache throughput against plain `cat` (the disk's limit), and the peak RSS. Ours and each limit
 * are measured back to back in each of five rounds; ratios are the median of the rounds'.
 *
 *   npx tsc -p tsconfig.json && MODEL_GB=4 node_modules/.bin/node dist/bench/model-hash.js
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HashOptions, type HashResult, hashModelFiles } from '../collectors/model-signatures/observe/hash-model.js';
import { listModelFiles, type ModelFile } from '../collectors/model-signatures/observe/model-files.js';
import { Progress } from '../src/cli/progress.js';
import { runCommand } from './run-command.js';

const GB = 1e9;
// The machine's CPU and disk speeds move between minutes on a shared host; five rounds give a median
// that holds still between runs of the bench. ROUNDS=<n> sets it.
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MiB = 1 << 20;
const GiB = 1 << 30;

/** The model's files: one big shard above 1 GiB, weights of various odd sizes, and small config and asset files. */
function layout(totalBytes: number): Array<[string, number]> {
  const files: Array<[string, number]> = [
    ['config.json', 1_234],
    ['tokenizer/tokenizer.json', 2 * MiB + 77],
    ['tokenizer/vocab.txt', 231_508],
  ];
  for (let i = 0; i < 20; i++) files.push([`assets/item-${String(i).padStart(2, '0')}.bin`, 4_096 * (i + 1) + i]);
  const small = files.reduce((sum, [, size]) => sum + size, 0);
  const big = totalBytes >= 2 * GB ? 1.25 * GiB : Math.floor((totalBytes - small) / 2);
  files.push(['model-00000.safetensors', big]);
  const sizes = [700_000_000, 300_012_345, 150_000_007, 64 * MiB - 1, 10_000_003, MiB, 4_097];
  let left = totalBytes - small - big;
  for (let i = 0; left > 0; i++) {
    const size = Math.min(sizes[i % sizes.length]!, left);
    files.push([`weights/model-${String(i + 1).padStart(5, '0')}.safetensors`, size]);
    left -= size;
  }
  return files;
}

/** Runs in a child process, so that the 64 MiB source block does not count in the measured process's peak RSS. */
function generate(root: string, totalBytes: number): void {
  // Random bytes are slow to make; a repeated random block is as good for hashing, and each file starts
  // at a different offset in it so that no two files are alike.
  const block = randomFillSync(Buffer.allocUnsafe(64 * MiB));
  let offset = 0;
  for (const [name, size] of layout(totalBytes)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    const fd = openSync(join(root, name), 'w');
    for (let written = 0; written < size; ) {
      const n = Math.min(size - written, block.length - offset);
      written += writeSync(fd, block, offset, n);
      offset = (offset + n) % block.length;
    }
    closeSync(fd);
    offset = (offset + 4_099) % block.length;
  }
}

/** CPU seconds the machine has spent busy since boot (Linux, where USER_HZ is 100), or NaN elsewhere. */
function machineBusySeconds(): number {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq!) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Hashes the model once. `others` is how many cores other processes kept busy meanwhile: on a shared
 * machine it tells a slow run caused by a neighbour from a slow engine.
 */
async function hash(files: ModelFile[], label: string | null, method: HashOptions['method'] = 'files'): Promise<HashResult & { others: number }> {
  const bar = label === null ? null : new Progress(label);
  const busy = machineBusySeconds();
  const cpu = process.cpuUsage();
  const result = await hashModelFiles(files, {
    method,
    onProgress: bar ? (done, total) => bar.update(Math.round(done / 1e6), Math.round(total / 1e6)) : undefined,
  });
  const ours = process.cpuUsage(cpu);
  bar?.done();
  const others = (machineBusySeconds() - busy - (ours.user + ours.system) / 1e6) / result.seconds;
  return { ...result, others: Math.max(0, others) };
}

/** Empties the page cache; where the kernel refuses (not root, a container), says why instead. */
async function dropCaches(): Promise<true | string> {
  try {
    spawnSync('sync');
    await writeFile('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The 16384-byte column of `openssl speed`, in bytes per second. */
function parseOpensslSpeed(out: string): number {
  const row = out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells.length >= 7 && cells.slice(-6).every((c) => /^[\d.]+k$/.test(c)))
    .at(-1);
  if (!row) throw new Error(`cannot read the output of openssl speed:\n${out}`);
  return Number.parseFloat(row.at(-1)!) * 1000;
}

async function main(): Promise<void> {
  const totalBytes = Math.round(Number(process.env.MODEL_GB ?? 4) * GB);
  const cores = availableParallelism();
  const root = await mkdtemp(join(tmpdir(), 'ea-bench-model-'));
  const rate = (bytes: number, seconds: number) => bytes / seconds / GB;
  const fmt = (gbps: number) => `${gbps.toFixed(2)} GB/s`;
  try {
    const g0 = performance.now();
    const gen = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--generate', root, String(totalBytes)], { stdio: 'inherit' });
    if (gen.status !== 0) throw new Error('generating the model failed');
    // Written-back pages would otherwise compete with the measurements for the disk and the CPU.
    spawnSync('sync');
    const files = await listModelFiles(root, { ignorePaths: [], allowSymlinks: false });
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    const largest = Math.max(...files.map((f) => f.size));
    console.log(
      `model:                     ${files.length} files, ${(bytes / GB).toFixed(2)} GB, largest ${(largest / GiB).toFixed(2)} GiB (written in ${((performance.now() - g0) / 1000).toFixed(1)} s)`,
    );
    console.log(`machine:                   ${cores} cores, node ${process.version}, ${(await runCommand('openssl', ['version'])).out.trim()}`);

    const first = await hash(files, null);
    const shards = await hash(files, 'hashing shards, warm (MB)', 'shards');

    const dgst = await runCommand('openssl', ['dgst', '-sha256', '-r', ...files.map((f) => f.path)]);
    const theirs = new Map(
      dgst.out
        .trim()
        .split('\n')
        .map((line) => [line.slice(line.indexOf('*') + 1), line.slice(0, 64)]),
    );
    const pathOf = new Map(files.map((f) => [f.name, f.path]));
    if (!first.resources.every((r) => theirs.get(pathOf.get(r.name)!) === r.digest)) throw new Error('our digests differ from openssl dgst');

    // The machine's speed drifts from minute to minute (a shared host): each round measures ours and
    // its limit back to back, and the ratio reported is the median of the rounds' ratios.
    const warm: Array<HashResult & { others: number }> = [];
    const limits: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const again = await hash(files, `hashing, warm, round ${round + 1} of ${ROUNDS} (MB)`);
      if (JSON.stringify(first.resources) !== JSON.stringify(again.resources)) throw new Error('two runs over the same files disagree');
      warm.push(again);
      limits.push(parseOpensslSpeed((await runCommand('openssl', ['speed', '-evp', 'sha256', '-multi', String(cores), '-seconds', '2'])).out) / GB);
    }
    const warmRates = warm.map((w) => rate(w.totalBytes, w.seconds));
    const warmRatios = warmRates.map((r, i) => r / limits[i]!);
    const openssl = rate(bytes, dgst.seconds);
    const others = (r: { others: number }) => `other processes busy: ${r.others.toFixed(2)} cores`;
    const all = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(
      `ours, files, warm:         ${fmt(median(warmRates))}  (median of ${all(warmRates)} GB/s; ${cores} workers; other processes busy: ${all(warm.map((w) => w.others))} cores)`,
    );
    console.log(`ours, 1 GB shards, warm:   ${fmt(rate(shards.totalBytes, shards.seconds))}  (${shards.resources.length} shards; ${others(shards)})`);
    console.log(`openssl dgst -sha256:      ${fmt(openssl)}  (same files, one after another; digests agree)`);
    console.log(`openssl speed -multi ${cores}:   ${fmt(median(limits))}  (median of ${all(limits)} GB/s; 16384-byte blocks, in memory: the limit)`);
    console.log(`ours / openssl dgst:       ${(median(warmRates) / openssl).toFixed(2)}x`);
    console.log(`ours / openssl speed:      ${median(warmRatios).toFixed(2)}x  (median of the rounds' ratios ${all(warmRatios)}; goal: at least 0.80x)`);
    // The fastest round of each is the one least disturbed by the rest of a shared machine.
    console.log(`best / best, warm:         ${(Math.max(...warmRates) / Math.max(...limits)).toFixed(2)}x  (fastest round of ours over fastest openssl speed)`);

    const dropped = await dropCaches();
    if (dropped === true) {
      const oursCold: number[] = [];
      const catCold: number[] = [];
      const busy: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await dropCaches();
        catCold.push(
          rate(
            bytes,
            (
              await runCommand(
                'cat',
                files.map((f) => f.path),
                'ignore',
              )
            ).seconds,
          ),
        );
        await dropCaches();
        const cold = await hash(files, `hashing, cold, round ${round + 1} of ${ROUNDS} (MB)`);
        oursCold.push(rate(cold.totalBytes, cold.seconds));
        busy.push(cold.others.toFixed(2));
      }
      const coldRatios = oursCold.map((r, i) => r / catCold[i]!);
      console.log(`ours, files, cold:         ${fmt(median(oursCold))}  (median of ${all(oursCold)} GB/s; other processes busy: ${busy.join(', ')} cores)`);
      console.log(`cat > /dev/null, cold:     ${fmt(median(catCold))}  (median of ${all(catCold)} GB/s; the disk's limit)`);
      console.log(`ours / cat, cold:          ${median(coldRatios).toFixed(2)}x  (median of the rounds' ratios ${all(coldRatios)}; goal: at least 1.00x)`);
      console.log(`best / best, cold:         ${(Math.max(...oursCold) / Math.max(...catCold)).toFixed(2)}x  (fastest round of ours over fastest cat)`);
    } else {
      console.log(`cold:                      not measured, the page cache could not be dropped (${dropped})`);
    }
    const rss = process.resourceUsage().maxRSS;
    console.log(`peak RSS:                  ${((rss * 1024) / 1e6).toFixed(0)} MB (maxRSS ${rss} KiB; goal: under 150 MB)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--generate') generate(process.argv[3]!, Number(process.argv[4]));
else await main();
