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
  payloadHash,
  readPayload,
  type StreamHead,
} from './checkpoint.js';

async function lastKey(store: EvidenceStore, prefix: string): Promise<string | undefined> {
  let last: string | undefined;
  for await (const key of store.list(prefix)) last = key;
  return last;
}

/** Heads of every stream of the agent: the ones this run wrote are known; the rest are read from the store. */
async function streamHeads(store: EvidenceStore, agentId: string, known: ReadonlyMap<string, StreamHead>): Promise<Record<string, StreamHead>> {
  const heads: Record<string, StreamHead> = {};
  for await (const prefix of store.list(`${RECORDS_PREFIX}${agentId}/`, { delimiter: '/' })) {
    if (!prefix.endsWith('/')) continue;
    const stream = prefix.slice(RECORDS_PREFIX.length, -1);
    const head = known.get(stream) ?? (await readHead(store, stream));
    if (head) heads[stream] = { seq: head.seq, hash: head.hash };
  }
  return heads;
}

/** Signs and stores a checkpoint of every stream head of an agent, chained to its previous checkpoint. */
export async function writeCheckpoint(
  store: EvidenceStore,
  agentId: string,
  signer: BundleSigner,
  now: Date,
  known: ReadonlyMap<string, StreamHead>,
): Promise<{ key: string; checkpoint: Checkpoint }> {
  const previousKey = await lastKey(store, `${CHECKPOINTS_PREFIX}${agentId}/`);
  let seq = 0;
  let prev: string | null = null;
  if (previousKey) {
    const bytes = await store.get(previousKey);
    let payload: Buffer;
    let previous: Checkpoint;
    try {
      if (!bytes) throw new Error('it is listed but cannot be read');
      payload = readPayload(JSON.parse(Buffer.from(bytes).toString('utf8')));
      previous = JSON.parse(payload.toString('utf8')) as Checkpoint;
      if (!Number.isInteger(previous.seq)) throw new Error('its payload has no checkpoint sequence number');
    } catch (err) {
      throw new Error(
        `the previous checkpoint ${previousKey} cannot be read (${(err as Error).message}), so the next one cannot link to it; ` +
          'run `evidence-agent verify --trusted-key <public key>` to see what happened to it',
        { cause: err },
      );
    }
    seq = previous.seq + 1;
    prev = payloadHash(payload);
  }
  const checkpoint: Checkpoint = {
    schema: CHECKPOINT_SCHEMA,
    agent: agentId,
    seq,
    prev,
    createdAt: now.toISOString(),
    heads: await streamHeads(store, agentId, known),
  };
  const bundle = await signer.sign(Buffer.from(canonicalize(checkpoint), 'utf8'), CHECKPOINT_PAYLOAD_TYPE);
  const key = checkpointKey(agentId, seq);
  await store.put(key, Buffer.from(`${JSON.stringify(bundle)}\n`, 'utf8'));
  return { key, checkpoint };
}
