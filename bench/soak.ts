/**
 * Runs the daemon as a real process at a one-second schedule for a few
 * minutes and prints its RSS after warm-up and at the end, and the records
 * written. Goal: RSS growth under 10% after warm-up.
 *
 *   npm run bench:soak              (SOAK_SECONDS=180 by default, WARMUP_SECONDS=30)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 30);
const BIN = fileURLToPath(new URL('../../bin/evidence-agent.js', import.meta.url));

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

async function countRecords(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith('.json')).length;
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ea-soak-'));
  try {
    await mkdir(join(dir, 'policies'));
    for (const p of ['access-control', 'data-retention', 'incident-response', 'model-governance'])
      await writeFile(join(dir, 'policies', `${p}.md`), `# ${p}\n`);
    await writeFile(
      join(dir, 'agent.yaml'),
      `${[
        'agent: { id: soak }',
        'store: { url: file:./evidence }',
        'server: { listen: "127.0.0.1:0" }',
        'collectors:',
        '  - { id: policies, use: policy-documents, schedule: "* * * * * *", options: { paths: [policies/*.md] } }',
        '  - { id: store, use: evidence-store, schedule: "* * * * * *" }',
      ].join('\n')}\n`,
    );
    const child = spawn(process.execPath, [BIN, '--log-level', 'warn', 'daemon', '--config', join(dir, 'agent.yaml')], { stdio: 'ignore' });
    const pid = child.pid!;
    await sleep(WARMUP_SECONDS);
    const startRss = await rssKiB(pid);
    const startRecords = await countRecords(join(dir, 'evidence/records'));
    let peak = startRss;
    for (let t = WARMUP_SECONDS; t < SOAK_SECONDS; t += 5) {
      await sleep(5);
      peak = Math.max(peak, await rssKiB(pid));
      if (process.stderr.isTTY) process.stderr.write(`\rsoak ${t + 5}/${SOAK_SECONDS} s, RSS ${Math.round(peak / 1024)} MiB`);
    }
    const endRss = await rssKiB(pid);
    const endRecords = await countRecords(join(dir, 'evidence/records'));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    if (process.stderr.isTTY) process.stderr.write('\n');
    const mib = (k: number) => (k / 1024).toFixed(1);
    console.log(`soak:              ${SOAK_SECONDS} s at a 1 s schedule, 2 collectors (warm-up ${WARMUP_SECONDS} s)`);
    console.log(`records written:   ${endRecords} (${endRecords - startRecords} after warm-up)`);
    console.log(`RSS after warm-up: ${mib(startRss)} MiB`);
    console.log(`RSS at end:        ${mib(endRss)} MiB (peak ${mib(peak)} MiB)`);
    console.log(`RSS growth:        ${(((endRss - startRss) / startRss) * 100).toFixed(1)}% (goal < 10%)`);
    console.log(`exit on SIGTERM:   ${String(code)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
