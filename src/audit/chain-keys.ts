import { parseRecordKey, streamPrefix } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Day listings kept at once: a sample reaches into a few days of each stream. */
const DAYS_KEPT = 64;

/**
 * Finds record keys of a stream by seq, listing only the day folders it needs: a record's key holds the day it was
 * observed, which its seq alone does not tell.
 */
export class ChainKeys {
  private readonly daysOf = new Map<string, Promise<string[]>>();
  private readonly keysOfDay = new Map<string, Promise<string[]>>();

  constructor(private readonly store: EvidenceStore) {}

  /** The key of record `seq` of `stream`, looking back from `day` (the day of a later record); null when the store has none. */
  async before(stream: string, seq: number, day: string): Promise<string | null> {
    const days = await this.days(stream);
    for (let i = days.findLastIndex((d) => d <= day); i >= 0; i--) {
      const keys = await this.keys(stream, days[i]!);
      if (keys.length === 0) continue;
      const found = keys.find((k) => parseRecordKey(k)!.seq === seq);
      if (found || parseRecordKey(keys[0]!)!.seq <= seq) return found ?? null;
    }
    return null;
  }

  /** Keys of records `from` to `to` of `stream` (as many as the store holds), in seq order, looking forward from `day`. */
  async *between(stream: string, from: number, to: number, day: string): AsyncIterable<string> {
    for (const d of (await this.days(stream)).filter((x) => x >= day)) {
      for (const key of await this.keys(stream, d)) {
        const seq = parseRecordKey(key)!.seq;
        if (seq > to) return;
        if (seq >= from) yield key;
      }
    }
  }

  private days(stream: string): Promise<string[]> {
    let days = this.daysOf.get(stream);
    if (!days) {
      days = (async () => {
        const prefix = streamPrefix(stream);
        const found: string[] = [];
        for await (const entry of this.store.list(prefix, { delimiter: '/' })) {
          const name = entry.slice(prefix.length, -1);
          if (entry.endsWith('/') && DAY.test(name)) found.push(name);
        }
        return found;
      })();
      this.daysOf.set(stream, days);
    }
    return days;
  }

  private keys(stream: string, day: string): Promise<string[]> {
    const id = `${stream}/${day}`;
    let keys = this.keysOfDay.get(id);
    if (!keys) {
      keys = (async () => {
        const found: string[] = [];
        for await (const key of this.store.list(`${streamPrefix(stream)}${day}/`)) {
          const parts = parseRecordKey(key);
          if (parts?.stream === stream && parts.day === day) found.push(key);
        }
        return found;
      })();
      if (this.keysOfDay.size >= DAYS_KEPT) this.keysOfDay.delete(this.keysOfDay.keys().next().value!);
      this.keysOfDay.set(id, keys);
    }
    return keys;
  }
}
