import type { SerializedBundle } from '@sigstore/bundle';
import { CHECKPOINT_PAYLOAD_TYPE, type Checkpoint, payloadHash } from '../../src/checkpoint/checkpoint.js';
import { canonicalize } from '../../src/record/canonical-json.js';
import { recordHash } from '../../src/record/hash.js';
import type { EvidenceRecord } from '../../src/record/types.js';
import type { BundleSigner } from '../../src/signing/sign.js';

export interface StoredRecord {
  key: string;
  record: EvidenceRecord;
}

export interface StoredCheckpoint {
  key: string;
  bundle: { dsseEnvelope: { payload: string } };
}

export interface InsiderRewrite {
  /** The stream's records, oldest first. */
  records: StoredRecord[];
  /** The agent's checkpoints, oldest first. */
  checkpoints: StoredCheckpoint[];
  signer: BundleSigner;
  /** What the insider does to each new bundle before storing it, e.g. have a TSA timestamp it. */
  finish?: (bundle: SerializedBundle) => Promise<SerializedBundle>;
}

/**
 * What an insider who can write the store and sign checkpoints produces: record 1 of the stream changed, the chain
 * re-hashed after it, and every checkpoint signed again by `signer`, each naming the new head and linking to the
 * new one before it. Returns the new text of every record and checkpoint, by key; a store holding them is consistent
 * in every way, and verifies with the key of `signer`.
 */
export async function insiderRewrite({ records, checkpoints, signer, finish }: InsiderRewrite): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const stream = records[0]!.record.stream;
  const newHash = new Map<number, string>();
  let prev: string | null = null;
  for (const { key, record } of records) {
    const { hash: _old, ...body } = record;
    if (record.seq === 1) body.summary = 'Item 1, as the insider would have had it.';
    if (record.seq > 0) body.prev = prev;
    const hash = recordHash(body);
    newHash.set(record.seq, hash);
    prev = hash;
    out.set(key, `${canonicalize({ ...body, hash })}\n`);
  }
  let prevCheckpoint: string | null = null;
  for (const { key, bundle } of checkpoints) {
    const checkpoint = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as Checkpoint;
    const head = checkpoint.heads[stream];
    if (head) head.hash = newHash.get(head.seq)!;
    checkpoint.prev = prevCheckpoint;
    const payload = Buffer.from(canonicalize(checkpoint), 'utf8');
    prevCheckpoint = payloadHash(payload);
    const signed = await signer.sign(payload, CHECKPOINT_PAYLOAD_TYPE);
    out.set(key, `${JSON.stringify(finish ? await finish(signed) : signed)}\n`);
  }
  return out;
}
