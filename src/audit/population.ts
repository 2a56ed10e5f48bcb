import type { EvidenceStore } from '../store/types.js';
import { AnnotationReader } from './annotations.js';
import { CheckpointIndex, type CheckpointRef } from './checkpoint-index.js';
import { type Framework, type FrameworkId, loadFramework } from './frameworks.js';
import { itemsOf, readItemsAhead } from './items.js';
import type { StreamFrequency } from './sample-size.js';
import { type AuditWindow, type ScannedRecord, type StreamScan, scanStreams } from './scan.js';

/** `record`: one row per record; `item`: one row per item inside the records (x-evidence-items). */
export type PopulationUnit = 'record' | 'item';

/**
 * What a population is of: the store, the window (RFC 3339, both ends inclusive), the control in a framework, the
 * SOC 2 ids records must state for it (any of them; the control itself under soc2), and the unit.
 */
export interface PopulationQuery {
  store: string;
  from: string;
  to: string;
  framework: FrameworkId;
  /** As the framework spells it. */
  control: string;
  soc2Controls: string[];
  unit: PopulationUnit;
}

export type RecordRef = {
  key: string;
  seq: number;
  hash: string;
};

/**
 * What the window covers of one stream: its first and last record in the population, and the newest checkpoint of
 * its agent when that covers the last one, so an auditor can test completeness against the store and a signed head.
 */
export type StreamHeads = {
  first: RecordRef;
  last: RecordRef;
  checkpoint: CheckpointRef | null;
};

/** The first line of a population file (`{"population": …}`), and the population part of a package manifest. */
export interface PopulationHeader {
  query: PopulationQuery;
  rows: number;
  heads: Record<string, StreamHeads>;
}

/** One row: a record, or (unit item) an item inside one, with the record it comes from. */
export interface PopulationRow {
  /** Unit item: `<record hash>#<item id>`. */
  itemId?: string;
  key: string;
  hash: string;
  stream: string;
  seq: number;
  observedAt: string;
  status: string;
  subjectKind: string;
  subjectId: string;
  /** The record's `controls` as written (SOC 2 ids). */
  controls: string[];
  /** The ids of the query's framework that those map to. */
  frameworkControls: string[];
  /** Unit item: the attachment the item is a line of; absent for an item inside `data`. */
  attachment?: string;
}

export interface PopulationEntry {
  row: PopulationRow;
  scanned: ScannedRecord;
}

/** The key a row is ordered by when sampling: the record's `hash` exactly as written, or the item id. */
export function sampleKeyOf(row: PopulationRow): string {
  return row.itemId ?? row.hash;
}

function refOf({ key, record }: ScannedRecord): RecordRef {
  return { key, seq: record.seq, hash: record.hash };
}

async function* statingAny(records: AsyncIterable<ScannedRecord>, controls: Set<string>): AsyncIterable<ScannedRecord> {
  for await (const scanned of records) if (scanned.record.controls.some((c) => controls.has(c))) yield scanned;
}

/**
 * Whether a record of the window states `control`, reading no further than the first one that does: first the first
 * record of each stream (a collector states the same controls on every record), then every record. When none does,
 * the ids the records of the window state, for the error that lists them.
 */
export async function findStatedControl(store: EvidenceStore, window: AuditWindow, control: string): Promise<{ found: boolean; stated: string[] }> {
  const scans = [];
  for await (const scan of scanStreams(store, window)) scans.push(scan);
  for (const scan of scans) {
    for await (const { record } of scan.records()) {
      if (record.controls.includes(control)) return { found: true, stated: [] };
      break;
    }
  }
  const stated = new Set<string>();
  for (const scan of scans) {
    for await (const { record } of scan.records()) {
      if (record.controls.includes(control)) return { found: true, stated: [] };
      for (const c of record.controls) stated.add(c);
    }
  }
  return { found: false, stated: [...stated].sort() };
}

/**
 * The population of a control in a window: every record that states one of the query's SOC 2 ids, observed in the window, in every
 * stream of the store (in key order, each stream in seq order), notices and error records included, since they are
 * occurrences too (and leaving them out would leave holes in the seq numbers a completeness test counts on).
 * Read in one pass that holds one stream's heads at a time, whatever the size of the population.
 */
export class Population {
  private count = 0;
  private readonly heads = new Map<string, { agent: string; first: RecordRef; last: RecordRef }>();
  /** Each stream's rows and the newest cadence it stated, for the default sample size. */
  readonly frequencies = new Map<string, StreamFrequency>();
  private consumed = false;

  constructor(
    private readonly store: EvidenceStore,
    readonly window: AuditWindow,
    readonly query: PopulationQuery,
  ) {}

  /** Rows read so far (all of them once entries() is done). */
  get rows(): number {
    return this.count;
  }

  async *entries(): AsyncIterable<PopulationEntry> {
    if (this.consumed) throw new Error('a population is read once');
    this.consumed = true;
    const annotations = new AnnotationReader(this.store);
    const framework = loadFramework(this.query.framework);
    const wanted = new Set(this.query.soc2Controls);
    for await (const scan of scanStreams(this.store, this.window)) {
      if (this.query.unit === 'record') {
        for await (const scanned of scan.records()) {
          if (!scanned.record.controls.some((c) => wanted.has(c))) continue;
          const { row, frequency } = this.rowOf(scan, scanned, framework);
          this.count++;
          frequency.rows++;
          yield { row, scanned };
        }
        continue;
      }
      for await (const { scanned, annotation, ahead } of readItemsAhead(
        this.store,
        statingAny(scan.records(), wanted),
        async (r) => (await annotations.of(r)).items,
      )) {
        const { row, frequency } = this.rowOf(scan, scanned, framework);
        if (!annotation) continue;
        for await (const item of itemsOf(this.store, scanned.key, scanned.record, annotation, ahead)) {
          this.count++;
          frequency.rows++;
          yield { row: { itemId: item.itemId, ...row, ...(item.attachment === undefined ? {} : { attachment: item.attachment }) }, scanned };
        }
      }
    }
  }

  /** A record's row; notes it in its stream's heads and cadence. */
  private rowOf(scan: StreamScan, scanned: ScannedRecord, framework: Framework): { row: PopulationRow; frequency: StreamFrequency } {
    const { key, record } = scanned;
    const seen = this.heads.get(scan.stream);
    if (seen) seen.last = refOf(scanned);
    else this.heads.set(scan.stream, { agent: scan.agent, first: refOf(scanned), last: refOf(scanned) });
    const frequency = this.frequencies.get(scan.stream) ?? { cadence: null, rows: 0 };
    frequency.cadence = record.cadence ?? frequency.cadence;
    this.frequencies.set(scan.stream, frequency);
    const row: PopulationRow = {
      key,
      hash: record.hash,
      stream: record.stream,
      seq: record.seq,
      observedAt: record.observedAt,
      status: record.status,
      subjectKind: record.subject.kind,
      subjectId: record.subject.id,
      controls: record.controls,
      frameworkControls: framework.map(record.controls).ids,
    };
    return { row, frequency };
  }

  /** The header, once entries() has been read to its end: the row count and each stream's heads. */
  async header(): Promise<PopulationHeader> {
    const checkpoints = new CheckpointIndex(this.store);
    const heads: Record<string, StreamHeads> = {};
    for (const [stream, { agent, first, last }] of [...this.heads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const covering = await checkpoints.newestCovering(agent, stream, last.seq);
      heads[stream] = { first, last, checkpoint: covering?.ref ?? null };
    }
    return { query: this.query, rows: this.count, heads };
  }
}
