import { parseStrictJson } from '../record/strict-json.js';
import type { EvidenceRecord } from '../record/types.js';
import { parseRecordKey, streamPrefix } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

async function matching(items: AsyncIterable<string>, accept: (item: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for await (const item of items) if (accept(item)) found.push(item);
  return found;
}

/**
 * The day folders of a stream, newest first. Whatever else is listed there, such as a bucket's folder
 * marker (an empty object whose key ends in `/`) or a folder that is not a day, is no part of the chain.
 */
async function daysNewestFirst(store: EvidenceStore, stream: string): Promise<string[]> {
  const prefix = streamPrefix(stream);
  const days = await matching(store.list(prefix, { delimiter: '/' }), (p) => p.endsWith('/') && DAY.test(p.slice(prefix.length, -1)));
  return days.reverse();
}

/** The record keys of one day folder, newest first (sequence numbers are zero-padded, so name order is chain order). */
async function keysNewestFirst(store: EvidenceStore, day: string): Promise<string[]> {
  return (await matching(store.list(day, { delimiter: '/' }), (k) => parseRecordKey(k) !== null)).reverse();
}

/**
 * Every record key of a stream, newest first. A day folder can hold no record: the file store creates
 * it before it links the day's first record into it, and a crash in between leaves it empty. Such a
 * day is passed over, never taken for the end of the stream, which would start the chain again at 0.
 */
async function* recordKeysNewestFirst(store: EvidenceStore, stream: string): AsyncIterable<string> {
  for (const day of await daysNewestFirst(store, stream)) yield* await keysNewestFirst(store, day);
}

async function readRecord(store: EvidenceStore, stream: string, key: string): Promise<EvidenceRecord> {
  const cannotContinue = `so the chain of ${stream} cannot continue; run \`evidence-agent verify\``;
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`record ${key} is listed but cannot be read, ${cannotContinue}`);
  let record: EvidenceRecord;
  try {
    record = parseStrictJson(bytes, 'the record') as EvidenceRecord;
  } catch (err) {
    throw new Error(`record ${key} cannot be read (${(err as Error).message}), ${cannotContinue}`, { cause: err });
  }
  // The next record links to this one and takes the next position: both must be the ones its key names.
  if (record?.stream !== stream || record.seq !== parseRecordKey(key)!.seq || typeof record.hash !== 'string') {
    throw new Error(`record ${key} does not hold record ${parseRecordKey(key)!.seq} of ${stream} with a hash, ${cannotContinue}`);
  }
  return record;
}

/**
 * Records the agent writes about a collector's stream (a failed run, a
 * skipped or missed one) have the subject kind `collector`, which is
 * reserved for them; everything else in the stream is the collector's own.
 */
export function writtenByAgent(record: EvidenceRecord): boolean {
  return record.subject.kind === 'collector';
}

/**
 * The newest record of a stream, read back from the store so that a chain
 * continues across restarts and hosts; null for a stream never written.
 */
export async function readHead(store: EvidenceStore, stream: string): Promise<EvidenceRecord | null> {
  for await (const key of recordKeysNewestFirst(store, stream)) return readRecord(store, stream, key);
  return null;
}

/**
 * The newest record the collector itself produced, walking back past the
 * agent's own records; null when it produced none. Only a run of notices
 * after it is read, so this is one or two reads in practice.
 */
export async function readLastCollected(store: EvidenceStore, stream: string): Promise<EvidenceRecord | null> {
  for await (const key of recordKeysNewestFirst(store, stream)) {
    const record = await readRecord(store, stream, key);
    if (!writtenByAgent(record)) return record;
  }
  return null;
}
