import { readHead } from '../chain/head.js';
import { canonicalize } from '../record/canonical-json.js';
import type { BundleSigner } from '../signing/sign.js';
import { RECORDS_PREFIX } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import {
  CHECKPOINT_PAYLOAD_TYPE,
  CHECKPOINT_SCHEMA,
  CHECKPOINTS_PREFIX,
  type Checkpoint,
  checkpointKey,
  type OpenedCheckpoint,
  openCheckpointBundle,
  parseCheckpointKey,
  type StreamHead,
} from './checkpoint.js';

/** The head of a stream went backwards from the previous checkpoint: a fault to report, never to sign. */
export class CheckpointRegressionError extends Error {
  override name = 'CheckpointRegressionError';
}

/** The key of the agent's newest checkpoint (zero-padded, so name order is checkpoint order). */
async function lastKey(store: EvidenceStore, agentId: string): Promise<string | undefined> {
  let last: string | undefined;
  for await (const key of store.list(`${CHECKPOINTS_PREFIX}${agentId}/`)) if (parseCheckpointKey(key)?.agent === agentId) last = key;
  return last;
}

/** Heads of every stream of the agent: the ones this run wrote are known; the rest are read from the store. */
async function streamHeads(store: EvidenceStore, agentId: string, known: ReadonlyMap<string, StreamHead>): Promise<Record<string, StreamHead>> {
  const heads: Record<string, StreamHead> = {};
  const agentPrefix = `${RECORDS_PREFIX}${agentId}/`;
  for await (const prefix of store.list(agentPrefix, { delimiter: '/' })) {
    // A bucket's folder marker for the agent itself lists as the prefix; it is no stream.
    if (!prefix.endsWith('/') || prefix.length === agentPrefix.length) continue;
    const stream = prefix.slice(RECORDS_PREFIX.length, -1);
    const head = known.get(stream) ?? (await readHead(store, stream));
    if (head) heads[stream] = { seq: head.seq, hash: head.hash };
  }
  return heads;
}

async function readPrevious(store: EvidenceStore, key: string): Promise<OpenedCheckpoint> {
  try {
    const bytes = await store.get(key);
    if (!bytes) throw new Error('it is listed but cannot be read');
    return await openCheckpointBundle(bytes);
  } catch (err) {
    throw new Error(
      `the previous checkpoint ${key} cannot be read (${(err as Error).message}), so the next one cannot link to it; ` +
        'run `evidence-agent verify --trusted-key <public key>` to see what happened to it',
      { cause: err },
    );
  }
}

/**
 * Throws unless every stream the previous checkpoint vouched for is still at
 * or past the head it signed. A head behind it means records were lost or the
 * chain started again (a fork); signing it would vouch for the shorter store.
 */
function refuseRegression(nextKey: string, previous: Checkpoint, previousKey: string, heads: Record<string, StreamHead>): void {
  const faults: string[] = [];
  for (const [stream, before] of Object.entries(previous.heads)) {
    const now = heads[stream];
    const signed = `checkpoint ${previousKey} signed seq ${before.seq} (${before.hash})`;
    if (!now) faults.push(`stream ${stream}: the store holds no records of it now, but ${signed}`);
    else if (now.seq < before.seq || (now.seq === before.seq && now.hash !== before.hash)) {
      faults.push(`stream ${stream}: its head is seq ${now.seq} (${now.hash}) now, but ${signed}`);
    }
  }
  if (faults.length > 0) {
    throw new CheckpointRegressionError(
      `refusing to sign checkpoint ${nextKey}: ${faults.join('; ')}. ` +
        'Records were removed or replaced, or a chain started again, since the last checkpoint. ' +
        'Leave the store as it is and run `evidence-agent verify --trusted-key <public key>` to see what happened.',
    );
  }
}

/** Signs and stores a checkpoint of every stream head of an agent, chained to its previous checkpoint. */
export async function writeCheckpoint(
  store: EvidenceStore,
  agentId: string,
  signer: BundleSigner,
  now: Date,
  known: ReadonlyMap<string, StreamHead>,
): Promise<{ key: string; checkpoint: Checkpoint }> {
  const previousKey = await lastKey(store, agentId);
  const previous = previousKey ? await readPrevious(store, previousKey) : null;
  const seq = previous ? previous.checkpoint.seq + 1 : 0;
  const key = checkpointKey(agentId, seq);
  const heads = await streamHeads(store, agentId, known);
  if (previous) refuseRegression(key, previous.checkpoint, previousKey!, heads);
  const checkpoint: Checkpoint = { schema: CHECKPOINT_SCHEMA, agent: agentId, seq, prev: previous?.hash ?? null, createdAt: now.toISOString(), heads };
  const bundle = await signer.sign(Buffer.from(canonicalize(checkpoint), 'utf8'), CHECKPOINT_PAYLOAD_TYPE);
  await store.put(key, Buffer.from(`${JSON.stringify(bundle)}\n`, 'utf8'));
  return { key, checkpoint };
}
