import type { KeyObject } from 'node:crypto';
import {
  CHECKPOINT_SCHEMA,
  CHECKPOINTS_PREFIX,
  type Checkpoint,
  parseCheckpointKey,
  payloadHash,
  readPayload,
  type StreamHead,
} from '../checkpoint/checkpoint.js';
import type { EvidenceStore, ObjectVersion } from '../store/types.js';
import type { RecordFacts } from './check-record.js';
import { checkLock } from './object-audit.js';
import type { VerifyProblem } from './problems.js';

export interface CheckpointSummary {
  count: number;
  lastCreatedAt: string | null;
  /** `verified`: every signature checked against the trusted key; `not-checked`: no key given; `none`: no checkpoints. */
  signatures: 'verified' | 'not-checked' | 'none';
}

interface Loaded {
  key: string;
  checkpoint: Checkpoint;
  hash: string;
}

function isCheckpoint(value: unknown): value is Checkpoint {
  const c = value as Checkpoint | null;
  return c?.schema === CHECKPOINT_SCHEMA && typeof c.agent === 'string' && Number.isInteger(c.seq) && typeof c.heads === 'object' && c.heads !== null;
}

type VersionOf = (key: string) => ObjectVersion | undefined;

async function load(
  store: EvidenceStore,
  key: string,
  trustedKey: KeyObject | undefined,
  versionOf: VersionOf,
  problems: VerifyProblem[],
): Promise<Loaded | null> {
  const version = versionOf(key);
  await checkLock(store, key, version, problems);
  const bytes = await store.get(key, version?.versionId);
  try {
    const bundle = JSON.parse(Buffer.from(bytes ?? []).toString('utf8')) as unknown;
    let payload: Buffer;
    if (trustedKey) {
      try {
        const { verifyKeyBundle } = await import('../signing/verify-bundle.js');
        payload = verifyKeyBundle(bundle, trustedKey).payload;
      } catch (err) {
        problems.push({ kind: 'checkpoint-signature', key, message: `signature does not verify with the trusted key: ${(err as Error).message}` });
        return null;
      }
    } else payload = readPayload(bundle);
    const checkpoint = JSON.parse(payload.toString('utf8')) as unknown;
    if (!isCheckpoint(checkpoint)) throw new Error(`payload is not an ${CHECKPOINT_SCHEMA} statement`);
    return { key, checkpoint, hash: payloadHash(payload) };
  } catch (err) {
    problems.push({ kind: 'checkpoint-invalid', key, message: (err as Error).message });
    return null;
  }
}

function checkHead(
  stream: string,
  head: StreamHead,
  facts: readonly RecordFacts[] | undefined,
  at: string,
  afterWindow: boolean,
  problems: VerifyProblem[],
): void {
  const record = facts?.find((f) => f.seq === head.seq);
  const first = facts?.[0]?.seq ?? 0;
  const last = facts?.at(-1)?.seq ?? -1;
  if (!record) {
    // Outside the window is not missing: before --from, or after --to in a checkpoint made after it. Otherwise the stream was cut back.
    if (head.seq >= first && !(afterWindow && head.seq > last)) {
      problems.push({
        kind: 'checkpoint-head-missing',
        key: at,
        stream,
        seq: head.seq,
        message: `the checkpoint vouches for record ${head.seq} of ${stream}, which is not in the store`,
      });
    }
  } else if (record.hash !== head.hash) {
    problems.push({
      kind: 'checkpoint-head-mismatch',
      key: record.key,
      stream,
      seq: head.seq,
      message: `${at} recorded hash ${head.hash} for this record; it now has ${String(record.hash)}`,
    });
  }
}

/**
 * Checks signed checkpoints: each signature (with a trusted key), each
 * agent's chain of checkpoints, and that every head a checkpoint names is
 * still in the store with the same hash, which exposes records removed from
 * the end of a stream. Records after the newest checkpoint are a warning.
 */
export async function verifyCheckpoints(
  store: EvidenceStore,
  streams: ReadonlyMap<string, readonly RecordFacts[]>,
  trustedKey: KeyObject | undefined,
  problems: VerifyProblem[],
  warnings: string[],
  versionOf: VersionOf = () => undefined,
  /** The end of a `verify --to` window: records after it were not read. */
  to?: Date,
): Promise<CheckpointSummary> {
  const byAgent = new Map<string, string[]>();
  for await (const key of store.list(CHECKPOINTS_PREFIX)) {
    const parts = parseCheckpointKey(key);
    if (!parts) {
      problems.push({ kind: 'stray-object', key, message: 'not a checkpoint key (checkpoints/<agent>/<seq>.json)' });
      continue;
    }
    byAgent.set(parts.agent, [...(byAgent.get(parts.agent) ?? []), key]);
  }
  let count = 0;
  let lastCreatedAt: string | null = null;
  const latestHeads = new Map<string, Record<string, StreamHead>>();
  for (const [agent, keys] of byAgent) {
    let before: Loaded | null = null;
    for (const key of keys.sort()) {
      const loaded = await load(store, key, trustedKey, versionOf, problems);
      if (!loaded) continue;
      count++;
      const { checkpoint } = loaded;
      const expectedSeq = before ? before.checkpoint.seq + 1 : 0;
      if (checkpoint.agent !== agent || checkpoint.seq !== parseCheckpointKey(key)!.seq) {
        problems.push({ kind: 'checkpoint-invalid', key, message: `content says agent ${checkpoint.agent} #${checkpoint.seq}, which belongs at another key` });
      } else if (checkpoint.seq !== expectedSeq || checkpoint.prev !== (before?.hash ?? null)) {
        problems.push({
          kind: 'checkpoint-chain',
          key,
          message: `expected checkpoint ${expectedSeq} linking to ${before?.hash ?? 'null'}, found ${checkpoint.seq} linking to ${String(checkpoint.prev)}`,
        });
      }
      const afterWindow = to !== undefined && Date.parse(checkpoint.createdAt) > to.getTime();
      for (const [stream, head] of Object.entries(checkpoint.heads)) checkHead(stream, head, streams.get(stream), key, afterWindow, problems);
      if (!lastCreatedAt || checkpoint.createdAt > lastCreatedAt) lastCreatedAt = checkpoint.createdAt;
      latestHeads.set(agent, checkpoint.heads);
      before = loaded;
    }
  }

  if (byAgent.size === 0) {
    const message = 'the store is unsigned: it holds no checkpoints, so records removed from the end of a stream cannot be detected (configure signing)';
    if (trustedKey) problems.push({ kind: 'checkpoint-missing', key: CHECKPOINTS_PREFIX, message });
    else warnings.push(message);
    return { count, lastCreatedAt, signatures: 'none' };
  }
  if (!trustedKey) warnings.push('checkpoint signatures were not checked: pass --trusted-key <public key PEM>');
  for (const [stream, facts] of streams) {
    const last = facts.at(-1);
    if (!last) continue;
    const head = latestHeads.get(stream.split('/')[0]!)?.[stream];
    if (!head) warnings.push(`${stream}: no checkpoint covers this stream yet (${facts.length} records)`);
    else if (last.seq > head.seq) warnings.push(`${stream}: ${last.seq - head.seq} records after seq ${head.seq} are not yet checkpointed`);
  }
  return { count, lastCreatedAt, signatures: trustedKey ? 'verified' : 'not-checked' };
}
