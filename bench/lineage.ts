/**
 * Writes one million synthetic OpenLineage run events to an NDJSON file
 * (500,000 runs of 1,000 jobs over 5,000 datasets: a START naming the inputs,
 * a COMPLETE naming inputs and outputs, some outputs models with versions),
 * then runs the lineage collector over it in a process of its own (with the
 * deployed `--max-semi-space-size=16`), so that the peak RSS printed is the
 * fold's alone: events per second and peak RSS.
 *
 *   npm run bench:lineage        (EVENTS=200000 for a quicker run; BENCH_EVENTS=<file> keeps the file and reuses it)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lineage from '../collectors/lineage/index.js';
import { runCollectorOnce } from '../src/testing.js';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const JOBS = 1000;
const DATASETS = 5000;
const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const START = Date.parse('2026-01-01T00:00:00Z');

function uuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0190b7a4-58c1-7b3c-9c1e-${hex}`;
}

function dataset(i: number, version?: string): Record<string, unknown> {
  const facets = version === undefined ? undefined : { version: { _producer: PRODUCER, _schemaURL: SCHEMA_URL, datasetVersion: version } };
  return { namespace: `s3://lake-${i % 7}`, name: `warehouse/table_${i}`, ...(facets ? { facets } : {}) };
}

function event(run: number, complete: boolean): string {
  const job = run % JOBS;
  const inputs = [dataset((run * 7) % DATASETS), dataset((run * 13 + 1) % DATASETS)];
  const model = job % 10 === 0;
  const outputs = complete
    ? [
        model
          ? {
              namespace: 's3://models',
              name: `models/model_${job}`,
              facets: {
                datasetType: { _producer: PRODUCER, _schemaURL: SCHEMA_URL, datasetType: 'MODEL' },
                version: { _producer: PRODUCER, _schemaURL: SCHEMA_URL, datasetVersion: String(run % 50) },
              },
            }
          : dataset((job * 5 + 2) % DATASETS, String(run % 30)),
      ]
    : [];
  return JSON.stringify({
    eventType: complete ? 'COMPLETE' : 'START',
    eventTime: new Date(START + run * 1000 + (complete ? 600_000 : 0)).toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: {
      runId: uuid(run),
      facets: { nominalTime: { _producer: PRODUCER, _schemaURL: SCHEMA_URL, nominalStartTime: new Date(START + run * 1000).toISOString() } },
    },
    job: { namespace: 'spark', name: `job_${job}`, facets: {} },
    inputs,
    outputs,
  });
}

async function writeEvents(file: string): Promise<void> {
  const out = createWriteStream(file);
  let batch = '';
  for (let i = 0; i < EVENTS; i++) {
    batch += `${event(Math.floor(i / 2), i % 2 === 1)}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

/** The measured part, in its own process: the collector over the file, as a snapshot runs it. */
async function measure(file: string): Promise<void> {
  const t0 = performance.now();
  const { records } = await runCollectorOnce(
    lineage,
    { sources: [{ path: file }], models: { deployed: ['model_0'] } },
    { configDir: tmpdir(), timeoutMs: 3_600_000 },
  );
  const seconds = (performance.now() - t0) / 1000;
  const data = records[0]!.data as {
    events: { folded: number; invalid: number };
    runs: { total: number };
    graph: { datasets: number; jobs: number; edges: number; models: number };
  };
  if (data.events.folded !== EVENTS || data.events.invalid !== 0)
    throw new Error(`folded ${data.events.folded} of ${EVENTS} events, ${data.events.invalid} invalid`);
  process.stdout.write(
    `${JSON.stringify({ seconds, rssMB: process.resourceUsage().maxRSS / 1024, runs: data.runs.total, graph: data.graph, status: records[0]!.status })}\n`,
  );
}

async function main(): Promise<void> {
  const kept = process.env.BENCH_EVENTS;
  const dir = kept ? null : await mkdtemp(join(tmpdir(), 'ea-bench-lineage-'));
  const file = kept ?? join(dir!, 'events.ndjson');
  try {
    if (!existsSync(file)) {
      const t = performance.now();
      await writeEvents(file);
      console.log(
        `wrote ${EVENTS.toLocaleString('en-US')} events (${((await stat(file)).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
    const child = spawn(process.execPath, ['--max-semi-space-size=16', fileURLToPath(import.meta.url), '--measure', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the measuring process exited with ${code}`);
    const r = JSON.parse(out) as { seconds: number; rssMB: number; runs: number; graph: Record<string, number>; status: string };
    console.log(`events:        ${EVENTS.toLocaleString('en-US')} (${r.runs.toLocaleString('en-US')} runs) folded into ${JSON.stringify(r.graph)}`);
    console.log(
      `collector run: ${r.seconds.toFixed(2)} s  ${Math.round(EVENTS / r.seconds).toLocaleString('en-US')} events/s (read, validate, fold, attach graph, write and verify the record)`,
    );
    console.log(`peak RSS:      ${r.rssMB.toFixed(0)} MB (the measuring process, --max-semi-space-size=16)`);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') await measure(process.argv[3]!);
else await main();
