import { HASH_PREFIX, sha256Hex } from '../record/hash.js';

export const CHECKPOINT_SCHEMA = 'evidence-agent/checkpoint/v1';
export const CHECKPOINT_PAYLOAD_TYPE = 'application/vnd.evidence-agent.checkpoint+json';
export const CHECKPOINTS_PREFIX = 'checkpoints/';

export interface StreamHead {
  seq: number;
  hash: string;
}

/**
 * A signed statement of where every stream of one agent stood at the end of a
 * run. Stored as the DSSE payload (RFC 8785 JSON) of a Sigstore bundle at
 * `checkpoints/<agentId>/<seq>.json`; checkpoints of an agent chain by `prev`.
 */
export interface Checkpoint {
  schema: typeof CHECKPOINT_SCHEMA;
  agent: string;
  seq: number;
  /** `sha256:` of the previous checkpoint's payload bytes; null for the first. */
  prev: string | null;
  createdAt: string;
  heads: Record<string, StreamHead>;
}

const KEY = /^checkpoints\/([^/]+)\/(\d{12})\.json$/;

export function checkpointKey(agentId: string, seq: number): string {
  return `${CHECKPOINTS_PREFIX}${agentId}/${String(seq).padStart(12, '0')}.json`;
}

export function parseCheckpointKey(key: string): { agent: string; seq: number } | null {
  const m = KEY.exec(key);
  return m ? { agent: m[1]!, seq: Number(m[2]) } : null;
}

export function payloadHash(payload: Buffer): string {
  return HASH_PREFIX + sha256Hex(payload);
}

/** The payload of a stored checkpoint bundle, without checking its signature. */
export function readPayload(bundle: unknown): Buffer {
  const payload = (bundle as { dsseEnvelope?: { payload?: unknown } } | null)?.dsseEnvelope?.payload;
  if (typeof payload !== 'string') throw new Error('not a Sigstore bundle with a DSSE envelope');
  return Buffer.from(payload, 'base64');
}
