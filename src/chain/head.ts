import type { EvidenceStore } from '../store/types.js';
import { streamPrefix } from '../store/layout.js';
import type { EvidenceRecord } from '../record/types.js';

async function last(items: AsyncIterable<string>, accept: (item: string) => boolean): Promise<string | undefined> {
  let found: string | undefined;
  for await (const item of items) if (accept(item)) found = item;
  return found;
}

/**
 * The newest record of a stream, read back from the store so that a chain
 * continues across restarts and hosts; null for a stream never written.
 */
export async function readHead(store: EvidenceStore, stream: string): Promise<EvidenceRecord | null> {
  const day = await last(store.list(streamPrefix(stream), { delimiter: '/' }), (p) => p.endsWith('/'));
  if (!day) return null;
  const key = await last(store.list(day), (k) => k.endsWith('.json'));
  if (!key) return null;
  const bytes = await store.get(key);
  if (!bytes) return null;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as EvidenceRecord;
  } catch (err) {
    throw new Error(`the newest record of stream ${stream} (${key}) is not valid JSON, so its chain cannot continue; run \`evidence-agent verify\``, { cause: err });
  }
}
