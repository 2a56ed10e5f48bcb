import { randomUUID } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/client/python';
const RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const facet = (name: string) => ({ _producer: PRODUCER, _schemaURL: `https://openlineage.io/spec/facets/1-0-1/${name}.json` });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Dataset {
  path: string;
  version?: string;
  model?: boolean;
}

function dataset(d: Dataset): Record<string, unknown> {
  const facets: Record<string, unknown> = {};
  if (d.version) facets.version = { ...facet('DatasetVersionDatasetFacet'), datasetVersion: d.version };
  if (d.model) facets.datasetType = { ...facet('DatasetTypeDatasetFacet'), datasetType: 'MODEL' };
  return { namespace: 'file', name: d.path, facets };
}

function event(type: string, at: Date, runId: string, job: string, inputs: Dataset[], outputs: Dataset[]): string {
  return JSON.stringify({
    eventType: type,
    eventTime: at.toISOString(),
    producer: PRODUCER,
    schemaURL: RUN_EVENT,
    run: { runId },
    job: {
      namespace: 'ml-training',
      name: job,
      facets: { jobType: { ...facet('JobTypeJobFacet'), processingType: 'BATCH', integration: 'PYTHON', jobType: 'JOB' } },
    },
    inputs: inputs.map(dataset),
    outputs: outputs.map(dataset),
  });
}

/**
 * The demo's lineage, as an OpenLineage file transport leaves it: the run that
 * trained `fraud-detector` (the demo model) from two raw datasets, and a
 * failed retraining; `ranker` has no lineage. Beside them, the raw-data folder
 * a 90-day retention rule covers: one file is past it and still there, one is
 * as old but a recent run read it, one is new.
 */
export async function writeDemoLineage(dir: string, modelPath: string, now = new Date()): Promise<void> {
  const raw = join(dir, 'raw');
  await mkdir(raw, { recursive: true });
  await mkdir(join(dir, 'events'), { recursive: true });
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const files = { transactions: join(raw, 'transactions.csv'), chargebacks: join(raw, 'chargebacks.csv'), customers: join(raw, 'customers-2025.csv') };
  await writeFile(files.transactions, 'id,amount,merchant\n');
  await writeFile(files.chargebacks, 'id,transaction,reason\n');
  await writeFile(files.customers, 'id,country\n');
  await utimes(files.chargebacks, ago(200 * DAY), ago(200 * DAY));
  await utimes(files.customers, ago(400 * DAY), ago(400 * DAY));

  const inputs = [{ path: files.transactions, version: now.toISOString().slice(0, 7) }, { path: files.chargebacks }];
  const model = { path: modelPath, version: '1', model: true };
  const trained = randomUUID();
  const retried = randomUUID();
  const lines = [
    event('START', ago(3 * DAY), trained, 'train-fraud-detector', inputs, []),
    event('COMPLETE', ago(3 * DAY - HOUR), trained, 'train-fraud-detector', inputs, [model]),
    event('START', ago(DAY), retried, 'train-fraud-detector', inputs, []),
    event('FAIL', ago(DAY - 600_000), retried, 'train-fraud-detector', inputs, []),
  ];
  await writeFile(join(dir, 'events', 'training.ndjson'), `${lines.join('\n')}\n`);
}
