/** OpenLineage 2-0-2 run events as producers write them, for tests. */
import { randomUUID } from 'node:crypto';

export const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/client/python';
export const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const FACET = { _producer: PRODUCER, _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json' };

export interface DatasetSpec {
  namespace: string;
  name: string;
  version?: string;
  type?: string;
}

export function dataset(d: DatasetSpec): Record<string, unknown> {
  const facets: Record<string, unknown> = {};
  if (d.version !== undefined) facets.version = { ...FACET, datasetVersion: d.version };
  if (d.type !== undefined) facets.datasetType = { ...FACET, datasetType: d.type };
  return { namespace: d.namespace, name: d.name, ...(Object.keys(facets).length > 0 ? { facets } : {}) };
}

export interface EventSpec {
  type: string;
  time: Date | string;
  runId: string;
  job: [namespace: string, name: string];
  inputs?: DatasetSpec[];
  outputs?: DatasetSpec[];
}

export function runEvent(e: EventSpec): Record<string, unknown> {
  return {
    eventType: e.type,
    eventTime: typeof e.time === 'string' ? e.time : e.time.toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: { runId: e.runId, facets: { nominalTime: { _producer: PRODUCER, _schemaURL: SCHEMA_URL, nominalStartTime: '2026-01-01T00:00:00Z' } } },
    job: { namespace: e.job[0], name: e.job[1], facets: {} },
    ...(e.inputs ? { inputs: e.inputs.map(dataset) } : {}),
    ...(e.outputs ? { outputs: e.outputs.map(dataset) } : {}),
  };
}

export const ndjson = (events: readonly unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

export const hoursBefore = (at: Date, hours: number) => new Date(at.getTime() - hours * 3_600_000);

export const TRANSACTIONS: DatasetSpec = { namespace: 's3://acme-raw', name: 'transactions/2026', version: 'v3' };
export const LABELS: DatasetSpec = { namespace: 'postgres://warehouse:5432', name: 'fraud.labels' };
export const FRAUD_MODEL: DatasetSpec = { namespace: 's3://acme-models', name: 'models/fraud-detector', version: '12', type: 'MODEL' };

/** A training run: START reading two datasets, COMPLETE writing the model. */
export function trainingRun(now: Date, runId = randomUUID()): Record<string, unknown>[] {
  const job: [string, string] = ['ml-training', 'train-fraud-detector'];
  return [
    runEvent({ type: 'START', time: hoursBefore(now, 50), runId, job, inputs: [TRANSACTIONS, LABELS] }),
    runEvent({ type: 'COMPLETE', time: hoursBefore(now, 49), runId, job, inputs: [TRANSACTIONS, LABELS], outputs: [FRAUD_MODEL] }),
  ];
}
