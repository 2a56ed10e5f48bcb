import { hostname } from 'node:os';
import { StreamWriter } from '../chain/stream-writer.js';
import { writeCheckpoint } from '../checkpoint/write.js';
import { ensureSchemaStored, storedSchema } from '../collector/payload-schema.js';
import type { AgentConfig } from '../config/load.js';
import { readJsonSchema } from '../json-schema.js';
import type { Logger } from '../log.js';
import { AGENT_VERSION, packagePath } from '../package-root.js';
import type { EvidenceRecord } from '../record/types.js';
import { signerFromConfig } from '../signing/from-config.js';
import { openStore } from '../store/open.js';
import type { FrameworkId } from './frameworks.js';
import type { FrequencyClass } from './sample-size.js';

/** The collector id, and so the stream `<agentId>/audit`, of the records of the auditor's own work. */
export const AUDIT_COLLECTOR_ID = 'audit';
export const AUDIT_SAMPLE_KIND = 'audit-sample';

/** The `data` of a sampling record; `evidence-schema/v1/audit-sample.schema.json` is its normative form. */
export interface SamplingData {
  auditor: string;
  store: string;
  window: { from: string; to: string };
  framework: FrameworkId;
  control: string;
  soc2Controls: string[];
  unit: 'record' | 'item';
  seed: string;
  size: number;
  sizeFrom: '--size' | FrequencyClass;
  population: { rows: number };
  selected: { key: string; hash: string; itemId?: string }[];
  manifestSha256: string;
}

const AUDIT_SAMPLE_SCHEMA = storedSchema(readJsonSchema(packagePath('evidence-schema', 'v1', 'audit-sample.schema.json')));

/** The sampling could not be recorded; the message says why and what to do. */
export class SamplingRecordError extends Error {
  override name = 'SamplingRecordError';
}

export interface RecordedSampling {
  record: EvidenceRecord;
  store: string;
  /** The key of the checkpoint signed after it, when the config signs. */
  checkpoint: string | null;
}

/**
 * Records a sampling in the stream `<agentId>/audit` of a config's agent and store, as the agent writes any record
 * (the stream's single writer, the payload schema stored before the record that names it), then signs a checkpoint
 * as a snapshot does. The record names no control: it is evidence of the audit, not of the control it sampled.
 */
export async function recordSampling(config: AgentConfig, data: SamplingData, log: Logger, now: () => Date = () => new Date()): Promise<RecordedSampling> {
  if (config.collectors.some((c) => c.id === AUDIT_COLLECTOR_ID)) {
    throw new SamplingRecordError(
      `${config.file}: a collector has the id "${AUDIT_COLLECTOR_ID}", whose stream holds the audit records; rename that collector to record samplings`,
    );
  }
  const problems = AUDIT_SAMPLE_SCHEMA.check(data);
  if (problems.length > 0) throw new SamplingRecordError(`the sampling record does not match audit-sample.schema.json: ${problems.join('; ')}`);
  const signer = await signerFromConfig(config.signing, config.dir, process.env, (reason) => log.warn(reason));
  const store = await openStore(config.store, config.dir, { log, mode: 'write' });
  try {
    const stream = `${config.agent.id}/${AUDIT_COLLECTOR_ID}`;
    const writer = await StreamWriter.open(store, stream);
    await ensureSchemaStored(store, AUDIT_SAMPLE_SCHEMA);
    const unit = data.unit === 'item' ? 'items' : 'records';
    const record = await writer.append({
      draft: {
        subject: { kind: AUDIT_SAMPLE_KIND, id: data.control },
        status: 'info',
        summary: `${data.auditor} sampled ${data.size} of ${data.population.rows} ${unit} of control ${data.control} from ${data.window.from} to ${data.window.to} in ${data.store}.`,
        data,
      },
      collector: { type: AUDIT_SAMPLE_KIND, version: AGENT_VERSION, payloadSchema: AUDIT_SAMPLE_SCHEMA.ref },
      controls: [],
      agent: { id: config.agent.id, version: AGENT_VERSION, host: hostname(), configSha256: config.sha256 },
      observedAt: now(),
    });
    const checkpoint = signer
      ? (await writeCheckpoint(store, config.agent.id, signer, now(), new Map([[stream, { seq: record.seq, hash: record.hash }]]))).key
      : null;
    await store.flush?.();
    const pending = await store.pending?.();
    if (pending && pending.count > 0) {
      throw new SamplingRecordError(
        `the sampling record is in the spool at ${pending.where}, not yet in ${store.url}${pending.reason ? ` (${pending.reason})` : ''}; the next snapshot or daemon run of this config sends it`,
      );
    }
    return { record, store: store.url, checkpoint };
  } finally {
    await store.close();
  }
}
