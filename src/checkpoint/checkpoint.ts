import type { KeyObject } from 'node:crypto';
import { HASH_PREFIX, sha256Hex } from '../record/hash.js';
import { parseStrictJson } from '../record/strict-json.js';

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

function isHead(value: unknown): value is StreamHead {
  const h = value as StreamHead | null;
  return Number.isInteger(h?.seq) && h!.seq >= 0 && typeof h!.hash === 'string';
}

function isCheckpoint(value: unknown): value is Checkpoint {
  const c = value as Checkpoint | null;
  return (
    c?.schema === CHECKPOINT_SCHEMA &&
    typeof c.agent === 'string' &&
    Number.isInteger(c.seq) &&
    (c.prev === null || typeof c.prev === 'string') &&
    typeof c.createdAt === 'string' &&
    typeof c.heads === 'object' &&
    c.heads !== null &&
    !Array.isArray(c.heads) &&
    Object.values(c.heads).every(isHead)
  );
}

/**
 * A signature covers the payload type with the payload: a statement signed
 * as something else (the same key may sign other kinds of payload) is not a
 * checkpoint, whatever its payload looks like.
 */
function checkPayloadType(payloadType: unknown): void {
  if (payloadType !== CHECKPOINT_PAYLOAD_TYPE) {
    throw new Error(`its DSSE payloadType is ${JSON.stringify(payloadType)}, not ${CHECKPOINT_PAYLOAD_TYPE}`);
  }
}

/** The payload of a stored checkpoint bundle, without checking its signature. */
function readPayload(bundle: unknown): Buffer {
  const envelope = (bundle as { dsseEnvelope?: { payload?: unknown; payloadType?: unknown } } | null)?.dsseEnvelope;
  if (typeof envelope?.payload !== 'string') throw new Error('not a Sigstore bundle with a DSSE envelope');
  checkPayloadType(envelope.payloadType);
  return Buffer.from(envelope.payload, 'base64');
}

/** The signature of a checkpoint bundle does not verify with the trusted key (or the bundle is not one @sigstore/verify reads). */
export class CheckpointSignatureError extends Error {
  override name = 'CheckpointSignatureError';
}

export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  /** `sha256:` of the payload bytes, what the next checkpoint's `prev` names. */
  hash: string;
}

/**
 * Reads a checkpoint bundle (the bytes of `checkpoints/<agent>/<seq>.json`).
 * With a trusted key, only a payload that key signed is read, and a bad
 * signature throws CheckpointSignatureError; any other fault throws an Error
 * that says what is wrong.
 */
export async function openCheckpointBundle(bytes: Uint8Array, trustedKey?: KeyObject): Promise<OpenedCheckpoint> {
  const bundle = parseStrictJson(bytes, 'the checkpoint bundle');
  let payload: Buffer;
  if (trustedKey) {
    // Loaded only when signatures are checked: @sigstore/verify is large, and writing needs none of it.
    const { verifyKeyBundle } = await import('../signing/verify-bundle.js');
    let envelope: { payload: Buffer; payloadType: string };
    try {
      envelope = verifyKeyBundle(bundle, trustedKey);
    } catch (err) {
      throw new CheckpointSignatureError(`signature does not verify with the trusted key: ${(err as Error).message}`, { cause: err });
    }
    checkPayloadType(envelope.payloadType);
    payload = envelope.payload;
  } else payload = readPayload(bundle);
  const checkpoint = parseStrictJson(payload, 'the checkpoint payload');
  if (!isCheckpoint(checkpoint)) throw new Error(`payload is not an ${CHECKPOINT_SCHEMA} statement`);
  return { checkpoint, hash: payloadHash(payload) };
}
