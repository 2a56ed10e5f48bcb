import type { KeyObject } from 'node:crypto';
import { CHECKPOINTS_PREFIX } from '../checkpoint/checkpoint.js';
import type { WitnessReader } from '../checkpoint/witness-target.js';
import { mapLimit } from '../pool.js';
import type { RecordStatus } from '../record/types.js';
import { BLOBS_PREFIX, RECORDS_PREFIX } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import { checkChain } from './check-chain.js';
import { checkAttachment, checkRecord, type RecordFacts } from './check-record.js';
import type { TimestampCheck } from './checkpoint-time.js';
import { type CheckpointSummary, type KeptCheckpoint, verifyCheckpoints } from './checkpoints.js';
import { type RecordEntry as Entry, takeInventory } from './inventory.js';
import { checkLock, indexVersions, oldestVersion, type VersionIndex } from './object-audit.js';
import type { PackageSummary } from './package-manifest.js';
import { PayloadSchemas } from './payload-schemas.js';
import type { VerifyProblem } from './problems.js';
import { ObservedAtCheck, type ObservedAtSummary } from './store-time.js';

export interface VerifyOptions {
  /** Only records observed at or after this time (their predecessor is still read to check the link). */
  from?: Date | undefined;
  to?: Date | undefined;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Public key that must have signed every checkpoint. */
  trustedKey?: KeyObject | undefined;
  /** A store that holds no records is not a problem (otherwise it is: a mistyped path must not pass as intact evidence). */
  allowEmpty?: boolean | undefined;
  /** A checkpoint kept from an earlier verification, which the store must extend (`verify --since`). */
  since?: KeptCheckpoint | undefined;
  /** Checkpoints witnessed outside the store, which it must hold unchanged and extend (`verify --witness`). */
  witness?: WitnessReader | undefined;
  /** Every agent with records must have a checkpoint (`verify --require-signed`). */
  requireSigned?: boolean | undefined;
  /** TSA certificates every checkpoint's RFC 3161 timestamp must verify with. */
  timestamps?: TimestampCheck | undefined;
  /** How far a record's observedAt may be from the store's own time for its object (default 5 minutes). */
  observedAtToleranceMs?: number | undefined;
}

export interface StreamSummary {
  stream: string;
  records: number;
  firstSeq: number;
  lastSeq: number;
  firstObservedAt: string | null;
  lastObservedAt: string | null;
  statuses: Record<RecordStatus, number>;
}

export interface VerifyReport {
  store: string;
  from: string | null;
  to: string | null;
  records: number;
  attachments: number;
  streams: StreamSummary[];
  checkpoints: CheckpointSummary;
  problems: VerifyProblem[];
  /** Not failures, but worth an auditor's attention (unsigned store, records not yet checkpointed). */
  warnings: string[];
  /** Each record's observedAt against the store's own time for it; absent for a store that gives no times. */
  observedAt?: ObservedAtSummary;
  /** Set when the folder verified is an evidence package (src/verify/package.ts) rather than a store. */
  package?: PackageSummary;
  ok: boolean;
}

/** One line of the report for a stream's records (at least one), in seq order. */
export function summarizeStream(stream: string, counted: readonly RecordFacts[]): StreamSummary {
  const summary: StreamSummary = {
    stream,
    records: counted.length,
    firstSeq: counted[0]!.seq,
    lastSeq: counted.at(-1)!.seq,
    firstObservedAt: counted[0]!.observedAt,
    lastObservedAt: counted.at(-1)!.observedAt,
    statuses: { pass: 0, fail: 0, error: 0, info: 0 },
  };
  for (const f of counted) if (f.status && f.status in summary.statuses) summary.statuses[f.status]++;
  return summary;
}

function inWindow(facts: RecordFacts, from?: Date, to?: Date): boolean {
  if (!facts.observedAt) return true;
  const t = Date.parse(facts.observedAt);
  return (!from || t >= from.getTime()) && (!to || t <= to.getTime());
}

/** Picks the entries whose day may fall in the window, plus the one before, whose hash the first one links to. */
function select(entries: Entry[], from?: Date, to?: Date): Entry[] {
  const fromDay = from?.toISOString().slice(0, 10);
  const toDay = to?.toISOString().slice(0, 10);
  const first = entries.findIndex((e) => !fromDay || e.day >= fromDay);
  if (first < 0) return [];
  return entries.slice(Math.max(0, first - 1)).filter((e, i) => (i === 0 && first > 0) || !toDay || e.day <= toDay);
}

/**
 * Re-reads a store and checks every record on its own and every chain as a
 * whole, trusting nothing the agent wrote except what can be recomputed.
 */
export async function verifyStore(source: EvidenceStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const byStream = new Map<string, Entry[]>();
  // A bucket can show what a listing hides: rewrites kept as versions, keys behind delete markers.
  const versions: VersionIndex | undefined = source.audit
    ? await indexVersions(source.audit, [RECORDS_PREFIX, BLOBS_PREFIX, CHECKPOINTS_PREFIX], problems)
    : undefined;
  // From here on, reads go through the inventory: strays are reported there and never read.
  const { records: recordEntries, store } = await takeInventory(source, versions, problems);
  if (recordEntries.length === 0 && !options.allowEmpty) {
    problems.push({
      kind: 'empty-store',
      key: RECORDS_PREFIX,
      message: `${source.url} holds no records, so it holds no evidence: check that it is the store the agent writes to (pass --allow-empty if it is new)`,
    });
  }
  for (const entry of recordEntries) {
    let list = byStream.get(entry.stream);
    if (!list) {
      list = [];
      byStream.set(entry.stream, list);
    }
    list.push(entry);
  }

  const work: { stream: string; entries: Entry[] }[] = [];
  for (const [stream, entries] of [...byStream].sort(([a], [b]) => (a < b ? -1 : 1))) {
    entries.sort((a, b) => a.seq - b.seq || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    work.push({ stream, entries: select(entries, options.from, options.to) });
  }
  const all = work.flatMap((w) => w.entries);
  const payloads = new PayloadSchemas(store, (key) => oldestVersion(versions, key));
  const concurrency = options.concurrency ?? 32;
  let done = 0;
  const observed = new ObservedAtCheck(source, options.observedAtToleranceMs ?? 300_000);
  const facts = await mapLimit(all, concurrency, async (entry) => {
    const version = oldestVersion(versions, entry.key);
    const f = await checkRecord(store, entry.key, entry, problems, payloads, version?.versionId);
    await checkLock(store, entry.key, version, problems);
    await observed.check(entry.key, entry.stream, entry.seq, f.observedAt, version);
    options.onProgress?.(++done, all.length);
    return f;
  });

  const streams: StreamSummary[] = [];
  const attachments = new Map<string, { attachment: RecordFacts['attachments'][number]; referencedBy: string }>();
  let offset = 0;
  let records = 0;
  const factsByStream = new Map<string, RecordFacts[]>();
  for (const { stream, entries } of work) {
    const streamFacts = facts.slice(offset, offset + entries.length);
    offset += entries.length;
    factsByStream.set(stream, streamFacts);
    checkChain(stream, streamFacts, { fromStart: !options.from }, problems);
    const counted = streamFacts.filter((f) => inWindow(f, options.from, options.to));
    if (counted.length === 0) continue;
    for (const f of counted) {
      for (const a of f.attachments) if (!attachments.has(a.key)) attachments.set(a.key, { attachment: a, referencedBy: f.key });
    }
    records += counted.length;
    streams.push(summarizeStream(stream, counted));
  }
  await mapLimit([...attachments.values()], 4, async ({ attachment, referencedBy }) => {
    const version = oldestVersion(versions, attachment.key);
    await checkAttachment(store, attachment, referencedBy, problems, version?.versionId);
    if (version) await checkLock(store, attachment.key, version, problems);
  });

  await payloads.checkLocks(problems);

  const warnings: string[] = [];
  const checkpoints = await verifyCheckpoints(store, factsByStream, problems, warnings, {
    trustedKey: options.trustedKey,
    versionOf: (key) => oldestVersion(versions, key),
    to: options.to,
    since: options.since,
    timestamps: options.timestamps,
    witness: options.witness,
    requireSigned: options.requireSigned,
  });
  const observedAt = observed.finish(warnings);

  return {
    store: store.url,
    from: options.from?.toISOString() ?? null,
    to: options.to?.toISOString() ?? null,
    records,
    attachments: attachments.size,
    streams,
    checkpoints,
    problems,
    warnings,
    ...(observedAt ? { observedAt } : {}),
    ok: problems.length === 0,
  };
}
