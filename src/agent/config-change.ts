import { type StreamWriter, StreamWriters } from '../chain/stream-writer.js';
import { storeAttachment } from '../collector/attachments.js';
import { ensureSchemaStored, storedSchema } from '../collector/payload-schema.js';
import { CONFIG_CHANGE_KIND } from '../collector/runner.js';
import { AGENT_STREAM_ID, type AgentConfig } from '../config/load.js';
import { readJsonSchema } from '../json-schema.js';
import { AGENT_VERSION, packagePath } from '../package-root.js';
import { canonicalize } from '../record/canonical-json.js';
import type { AgentInfo, EvidenceRecord } from '../record/types.js';
import type { EvidenceStore } from '../store/types.js';
import { effectiveSha256 } from './what-ran.js';

const CONFIG_CHANGE_SCHEMA = storedSchema(readJsonSchema(packagePath('evidence-schema', 'v1', 'config-change.schema.json')));

function previousEffective(record: EvidenceRecord | null): string | null {
  const value = record?.subject.kind === CONFIG_CHANGE_KIND ? record.data.effectiveSha256 : undefined;
  return typeof value === 'string' ? value : null;
}

/**
 * Writes a config-change record in the stream `<agentId>/agent` when what the agent runs (its resolved config and
 * the input files it points to) differs from what the newest record there states, with the redacted resolved
 * config attached as `config.json`; returns null when nothing changed. `writers` are the daemon's, so the stream
 * keeps one writer.
 */
export async function recordConfigChange(
  store: EvidenceStore,
  config: AgentConfig,
  agent: AgentInfo,
  now: Date,
  writers: StreamWriters = new StreamWriters(store),
): Promise<EvidenceRecord | null> {
  const writer: StreamWriter = await writers.get(`${agent.id}/${AGENT_STREAM_ID}`);
  const effective = effectiveSha256(agent);
  const previous = writer.previous;
  const before = previousEffective(previous);
  if (before === effective) return null;
  const attachment = await storeAttachment(
    store,
    { name: 'config.json', mediaType: 'application/json', body: canonicalize(config.resolved) },
    AbortSignal.timeout(60_000),
  );
  const data = {
    notice: 'config-change',
    configFile: config.file,
    configSha256: config.sha256,
    resolvedConfigSha256: config.resolvedSha256,
    inputs: agent.inputs ?? [],
    effectiveSha256: effective,
    previous: previous ? { seq: previous.seq, hash: previous.hash, effectiveSha256: before } : null,
  };
  const problems = CONFIG_CHANGE_SCHEMA.check(data);
  if (problems.length > 0) throw new Error(`the config-change record does not match config-change.schema.json: ${problems.join('; ')}`);
  await ensureSchemaStored(store, CONFIG_CHANGE_SCHEMA);
  const files = data.inputs.length;
  return writer.append({
    draft: {
      subject: { kind: CONFIG_CHANGE_KIND, id: agent.id },
      status: 'info',
      summary: previous
        ? `The effective configuration of agent ${agent.id} changed (config ${config.sha256.slice(0, 12)}, resolved ${config.resolvedSha256.slice(0, 12)}, ${files} input files); the redacted config is attached.`
        : `The effective configuration of agent ${agent.id}, recorded for the first time (config ${config.sha256.slice(0, 12)}, resolved ${config.resolvedSha256.slice(0, 12)}, ${files} input files); the redacted config is attached.`,
      data,
      attachments: [attachment],
    },
    collector: { type: CONFIG_CHANGE_KIND, version: AGENT_VERSION, payloadSchema: CONFIG_CHANGE_SCHEMA.ref },
    controls: [],
    agent,
    observedAt: now,
  });
}
