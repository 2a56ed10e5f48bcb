import { parseStrictJson } from '../record/strict-json.js';
import type { EvidenceRecord } from '../record/types.js';
import { validateRecord } from '../record/validate.js';
import { isId, parseRecordKey, RECORDS_PREFIX, streamPrefix } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';

export interface AuditWindow {
  from: Date;
  to: Date;
} // both inclusive

export interface ScannedRecord {
  key: string;
  bytes: Uint8Array;
  record: EvidenceRecord;
}

export interface StreamScan {
  stream: string;
  agent: string;
  collectorId: string;
  /** Records of the stream observed within the window, in seq order; only the day folders of the window are listed. */
  records(): AsyncIterable<ScannedRecord>;
  /** The newest record observed before the window and the oldest after it (null when none). */
  neighbours(): Promise<{ before: ScannedRecord | null; after: ScannedRecord | null }>;
  /** Records observed before the window, newest first, reading back at most `maxDays` day folders (for chained ranges). */
  earlier(maxDays: number): AsyncIterable<ScannedRecord>;
  /** Records observed after the window, oldest first, reading on at most `maxDays` day folders. */
  later(maxDays: number): AsyncIterable<ScannedRecord>;
}

/** A record the audit tools cannot trust (unreadable, not a valid record, or not at its own key); `verify` says more. */
export class AuditReadError extends Error {
  override name = 'AuditReadError';
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`${key}: ${problem}; run evidence-agent verify on this store to see every problem`);
  }
}

/** Reads in flight per stream: enough to hide a bucket's latency, few enough to keep memory flat. */
const READ_CONCURRENCY = 48;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayOf(t: Date): string {
  return t.toISOString().slice(0, 10);
}

/** The last segment of a listed sub-prefix (`records/a/` gives `a`). */
function lastSegment(prefix: string): string {
  const trimmed = prefix.slice(0, -1);
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

async function* folders(store: EvidenceStore, prefix: string): AsyncIterable<string> {
  // Files beside the folders and names no agent writes are strays, which verify reports; they hold no stream.
  for await (const entry of store.list(prefix, { delimiter: '/' })) if (entry.endsWith('/') && isId(lastSegment(entry))) yield lastSegment(entry);
}

/**
 * Every stream under records/, in key order. Reads with bounded concurrency; parses strictly enough to trust the
 * fields it returns (strict JSON, the record schema, and the record sitting at its own key). Each record's hash and
 * chain are verify's to check, not re-done here.
 */
export async function* scanStreams(store: EvidenceStore, window: AuditWindow): AsyncIterable<StreamScan> {
  for await (const agent of folders(store, RECORDS_PREFIX)) {
    for await (const collectorId of folders(store, `${RECORDS_PREFIX}${agent}/`)) yield new Scan(store, window, agent, collectorId);
  }
}

class Scan implements StreamScan {
  readonly stream: string;
  private daysListed: Promise<string[]> | undefined;

  constructor(
    private readonly store: EvidenceStore,
    private readonly window: AuditWindow,
    readonly agent: string,
    readonly collectorId: string,
  ) {
    this.stream = `${agent}/${collectorId}`;
  }

  /** The stream's day folders, ascending; listed once. */
  private days(): Promise<string[]> {
    this.daysListed ??= (async () => {
      const days: string[] = [];
      for await (const entry of this.store.list(streamPrefix(this.stream), { delimiter: '/' })) {
        if (entry.endsWith('/') && DAY.test(lastSegment(entry))) days.push(lastSegment(entry));
      }
      return days;
    })();
    return this.daysListed;
  }

  /** The record keys of one day folder, in seq order; strays are left to verify. */
  private async keysOf(day: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of this.store.list(`${streamPrefix(this.stream)}${day}/`)) {
      const parts = parseRecordKey(key);
      if (parts && parts.stream === this.stream && parts.day === day) keys.push(key);
    }
    return keys;
  }

  async *records(): AsyncIterable<ScannedRecord> {
    const from = this.window.from.getTime();
    const to = this.window.to.getTime();
    const fromDay = dayOf(this.window.from);
    const toDay = dayOf(this.window.to);
    const days = (await this.days()).filter((d) => d >= fromDay && d <= toDay);
    for await (const scanned of this.readAll(this.keysOfDays(days))) {
      const t = Date.parse(scanned.record.observedAt);
      if (t >= from && t <= to) yield scanned;
    }
  }

  /** The records at keys, in order: in bulk where the store reads so (a local folder), else through concurrent gets. */
  private async *readAll(keys: AsyncIterable<string>): AsyncIterable<ScannedRecord> {
    if (!this.store.getMany) {
      yield* readInOrder(keys, READ_CONCURRENCY, (key) => this.read(key));
      return;
    }
    for await (const { key, bytes } of this.store.getMany(keys)) yield scannedRecord(key, bytes);
  }

  private async *keysOfDays(days: string[]): AsyncIterable<string> {
    // The next day's listing is asked for while this one's records are read.
    let next = days.length > 0 ? this.keysOf(days[0]!) : undefined;
    for (let i = 0; i < days.length; i++) {
      const keys = await next!;
      next = i + 1 < days.length ? this.keysOf(days[i + 1]!) : undefined;
      yield* keys;
    }
  }

  /** Records observed before the window, newest first, reading back at most `maxDays` day folders. */
  async *earlier(maxDays: number): AsyncIterable<ScannedRecord> {
    const from = this.window.from.getTime();
    const days = (await this.days())
      .filter((d) => d <= dayOf(this.window.from))
      .slice(-maxDays)
      .reverse();
    for (const day of days) {
      for (const key of (await this.keysOf(day)).reverse()) {
        const scanned = await this.read(key);
        if (Date.parse(scanned.record.observedAt) < from) yield scanned;
      }
    }
  }

  /** Records observed after the window, oldest first, reading on at most `maxDays` day folders. */
  async *later(maxDays: number): AsyncIterable<ScannedRecord> {
    const to = this.window.to.getTime();
    const days = (await this.days()).filter((d) => d >= dayOf(this.window.to)).slice(0, maxDays);
    for (const day of days) {
      for (const key of await this.keysOf(day)) {
        const scanned = await this.read(key);
        if (Date.parse(scanned.record.observedAt) > to) yield scanned;
      }
    }
  }

  async neighbours(): Promise<{ before: ScannedRecord | null; after: ScannedRecord | null }> {
    const days = await this.days();
    const [before, after] = await Promise.all([this.before(days), this.after(days)]);
    return { before, after };
  }

  private async before(days: string[]): Promise<ScannedRecord | null> {
    const from = this.window.from.getTime();
    const fromDay = dayOf(this.window.from);
    for (let i = days.findLastIndex((d) => d <= fromDay); i >= 0; i--) {
      const keys = await this.keysOf(days[i]!);
      if (keys.length === 0) continue;
      if (days[i]! < fromDay) return this.read(keys.at(-1)!);
      // Within a stream observedAt never goes back, so the day's records are sorted by time as well as by seq.
      const found = await this.search(keys, (t) => t >= from);
      if (found.index > 0) return found.index - 1 === found.readIndex ? found.read! : this.read(keys[found.index - 1]!);
    }
    return null;
  }

  private async after(days: string[]): Promise<ScannedRecord | null> {
    const to = this.window.to.getTime();
    const toDay = dayOf(this.window.to);
    const start = days.findIndex((d) => d >= toDay);
    for (let i = start; start >= 0 && i < days.length; i++) {
      const keys = await this.keysOf(days[i]!);
      if (keys.length === 0) continue;
      if (days[i]! > toDay) return this.read(keys[0]!);
      const found = await this.search(keys, (t) => t > to);
      if (found.index < keys.length) return found.index === found.readIndex ? found.read! : this.read(keys[found.index]!);
    }
    return null;
  }

  /** The first index whose record's time satisfies `past` (a monotone predicate), by bisection; keeps the last record read. */
  private async search(keys: string[], past: (t: number) => boolean): Promise<{ index: number; read?: ScannedRecord; readIndex: number }> {
    let lo = 0;
    let hi = keys.length;
    let read: ScannedRecord | undefined;
    let readIndex = -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const scanned = await this.read(keys[mid]!);
      if (past(Date.parse(scanned.record.observedAt))) hi = mid;
      else lo = mid + 1;
      read = scanned;
      readIndex = mid;
    }
    return read === undefined ? { index: lo, readIndex } : { index: lo, read, readIndex };
  }

  private async read(key: string): Promise<ScannedRecord> {
    return scannedRecord(key, await this.store.get(key));
  }
}

function scannedRecord(key: string, bytes: Uint8Array | null): ScannedRecord {
  if (!bytes) throw new AuditReadError(key, 'listed but could not be read');
  return { key, bytes, record: parseRecord(key, bytes) };
}

/** A record as stored, held to the record schema and to its key; what a reader may then trust of its fields. */
export function parseRecord(key: string, bytes: Uint8Array): EvidenceRecord {
  let value: unknown;
  try {
    value = parseStrictJson(bytes, 'the record');
  } catch (err) {
    throw new AuditReadError(key, (err as Error).message);
  }
  const problems = validateRecord(value);
  if (problems.length > 0) throw new AuditReadError(key, `not a valid record: ${problems.slice(0, 3).join('; ')}`);
  const record = value as EvidenceRecord;
  const parts = parseRecordKey(key);
  if (!parts || parts.stream !== record.stream || parts.seq !== record.seq || parts.day !== record.observedAt.slice(0, 10)) {
    throw new AuditReadError(key, `the record says ${record.stream}#${record.seq} on ${record.observedAt.slice(0, 10)}, which belongs at another key`);
  }
  return record;
}

/** Maps keys through `read` with at most `limit` reads in flight, yielding results in the keys' order. */
async function* readInOrder<T>(keys: AsyncIterable<string>, limit: number, read: (key: string) => Promise<T>): AsyncIterable<T> {
  const inFlight: Promise<T>[] = [];
  try {
    for await (const key of keys) {
      const p = read(key);
      // A rejection is seen when its turn comes; until then it must not count as unhandled.
      p.catch(() => undefined);
      inFlight.push(p);
      if (inFlight.length >= limit) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    // Abandoned early: let the reads still in flight finish quietly.
    for (const p of inFlight) p.catch(() => undefined);
  }
}
