import type { EvidenceRecord } from '../record/types.js';
import { streamPrefix } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';

async function matching(items: AsyncIterable<string>, accept: (item: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for await (const item of items) if (accept(item)) found.push(item);
  return found;
}

/** The day folders of a stream, newest first. */
async function daysNewestFirst(store: EvidenceStore, stream: string): Promise<string[]> {
  return (await matching(store.list(streamPrefix(stream), { delimiter: '/' }), (p) => p.endsWith('/'))).reverse();
}

/** The record keys of one day folder, newest first (sequence numbers are zero-padded, so name order is chain order). */
async function keysNewestFirst(store: EvidenceStore, day: string): Promise<string[]> {
  return (await matching(store.list(day), (k) => k.endsWith('.json'))).reverse();
}

async function readRecord(store: EvidenceStore, stream: string, key: string): Promise<EvidenceRecord | null> {
  const bytes = await store.get(key);
  if (!bytes) return null;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as EvidenceRecord;
  } catch (err) {
    throw new Error(`record ${key} of stream ${stream} is not valid JSON, so its chain cannot continue; run \`evidence-agent verify\``, { cause: err });
  }
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
  const [day] = await daysNewestFirst(store, stream);
  if (!day) return null;
  const [key] = await keysNewestFirst(store, day);
  return key ? readRecord(store, stream, key) : null;
}

/**
 * The newest record the collector itself produced, walking back past the
 * agent's own records; null when it produced none. Only a run of notices
 * after it is read, so this is one or two reads in practice.
 */
export async function readLastCollected(store: EvidenceStore, stream: string): Promise<EvidenceRecord | null> {
  for (const day of await daysNewestFirst(store, stream)) {
    for (const key of await keysNewestFirst(store, day)) {
      const record = await readRecord(store, stream, key);
      if (record && !writtenByAgent(record)) return record;
    }
  }
  return null;
}
