import { relative, sep } from 'node:path';
import type { JsonValue } from '../json.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { mapLimit } from '../pool.js';
import type { EvidenceRecord, RecordStatus } from '../record/types.js';
import type { EvidenceStore } from '../store/types.js';
import { AnnotationReader, atPointer, type RangeAnnotation } from './annotations.js';
import { type Cadence, cadenceKey, classAt, intervalClass, nominalLength, type Periods, periodEnd, periodIndex, periodsOf } from './cadence.js';
import { type ControlSelection, DEFAULT_FRAMEWORK, type Framework, type FrameworkId, loadFramework, UnknownControlError } from './frameworks.js';
import { type AuditWindow, type ScannedRecord, type StreamScan, scanStreams } from './scan.js';

export type PeriodState = 'evidenced' | 'attempted' | 'explained' | 'gap';

/** Consecutive periods in one state other than evidenced, as the report lists them. */
export interface PeriodRun {
  state: Exclude<PeriodState, 'evidenced'>;
  from: string;
  to: string;
  periods: number;
}

export interface Tally {
  periods: number;
  evidenced: number;
  attempted: number;
  explained: number;
  gaps: number;
  /** evidenced / periods, in percent with one decimal; 0 when there are no periods. */
  percent: number;
  /** Every period not evidenced, consecutive ones of the same state merged. */
  missing: PeriodRun[];
}

export interface SegmentCoverage extends Tally {
  /** The cadence, or null when the records state none and there were too few runs to infer one. */
  cadence: Cadence | null;
  from: string;
  to: string;
}

export interface RangeEnd {
  key: string;
  value: JsonValue;
}

export interface RangeHole {
  after: RangeEnd;
  before: RangeEnd;
}

export interface SubjectRanges {
  subject: string;
  /** The chained ranges start before the window (or at the population's beginning, a null `from`). */
  fromStart: boolean;
  /** The chained ranges go on after the window's end. */
  toEnd: boolean;
  holes: RangeHole[];
  covered: boolean;
}

export interface StreamCoverage extends Tally {
  stream: string;
  agent: string;
  collectorId: string;
  controls: string[];
  records: number;
  statuses: Record<RecordStatus, number>;
  segments: SegmentCoverage[];
  /** Present for streams whose payload schema has x-evidence-range. */
  ranges?: SubjectRanges[];
}

export interface ControlCoverage extends Tally {
  /** The id in the report's framework. */
  control: string;
  /** The framework's title for it (this project's own wording), null for an id the framework does not list (a third-party collector's own). */
  title: string | null;
  /** The SOC 2 ids its streams state that map to it: what the records say, read in the framework. */
  soc2Controls: string[];
  streams: string[];
  /** The grid the control is judged on: the coarsest cadence of its streams. */
  cadence: Cadence | null;
  records: number;
  statuses: Record<RecordStatus, number>;
  /** Null when the control has no streams that read ranges; otherwise whether every subject's ranges cover the window. */
  rangesCovered: boolean | null;
}

/** The framework a report speaks, and what its mapping is: this project's own, never an official crosswalk. */
export interface FrameworkInfo {
  id: FrameworkId;
  name: string;
  official: false;
  /** The file's own notice on what the ids, titles and mappings are and are not. */
  status: string;
  /** The catalog or crosswalk file, relative to the package when shipped in it. */
  file: string;
}

/** A SOC 2 id stated by records of the report that maps to no control of its framework. */
export interface UnmappedControl {
  control: string;
  /** The SOC 2 catalog's title, null for an id it does not list (a third-party collector's own). */
  title: string | null;
  /** Records that state it (they may also state ids that do map). */
  records: number;
  streams: string[];
}

export interface UnmappedRecords {
  controls: UnmappedControl[];
  /** Records none of whose ids map: they count under no control of the framework. */
  records: number;
}

export interface CoverageReport {
  store: string;
  from: string;
  to: string;
  framework: FrameworkInfo;
  /** What `--control` selected: the framework's id and the SOC 2 ids that records must state; null for every control. */
  selected: { control: string; soc2Controls: string[] } | null;
  controls: ControlCoverage[];
  streams: StreamCoverage[];
  /** Always empty under soc2. */
  unmapped: UnmappedRecords;
}

/** A run is the records written within this long of each other: intervals between runs, not records, infer a cadence. */
const SAME_RUN_MS = 60_000;
/** How far before and after the window the chained ranges of a subject are followed. */
const RANGE_DAYS = 62;

/** What a period of a stream held, kept per period (not per record) so memory follows the periods. */
class Segment {
  periods: Periods | undefined;
  evFirst!: Float64Array;
  evLast!: Float64Array;
  errFirst!: Float64Array;
  /** Times of a segment whose cadence is to be inferred, kept until its periods are known. */
  readonly pending: { ev: number[]; err: number[] } = { ev: [], err: [] };

  constructor(
    readonly cadence: Cadence | null,
    readonly start: number,
    public end: number,
    readonly leading: boolean,
  ) {
    if (cadence) this.lay(cadence);
  }

  lay(cadence: Cadence): void {
    this.periods = periodsOf(cadence, this.start, this.end, this.leading);
    const n = this.periods.starts.length;
    this.evFirst = new Float64Array(n).fill(Number.NaN);
    this.evLast = new Float64Array(n).fill(Number.NaN);
    this.errFirst = new Float64Array(n).fill(Number.NaN);
  }

  add(kind: 'ev' | 'err', t: number): void {
    if (!this.periods) {
      this.pending[kind].push(t);
      return;
    }
    const i = periodIndex(this.periods, t);
    if (i < 0) return;
    if (kind === 'ev') {
      if (Number.isNaN(this.evFirst[i]!)) this.evFirst[i] = t;
      this.evLast[i] = t;
    } else if (Number.isNaN(this.errFirst[i]!)) this.errFirst[i] = t;
  }

  /** Ends the segment at `end` (exclusive): periods from then on belong to the next cadence. */
  close(end: number): void {
    this.end = end;
    if (!this.periods) return;
    let n = this.periods.starts.length;
    while (n > 0 && this.periods.starts[n - 1]! >= end) n--;
    this.periods = { starts: this.periods.starts.subarray(0, n), end };
  }
}

function emptyStatuses(): Record<RecordStatus, number> {
  return { pass: 0, fail: 0, error: 0, info: 0 };
}

function isNotice(record: EvidenceRecord): boolean {
  return record.subject.kind === 'collector';
}

function sameCadence(a: Cadence | null, b: Cadence | null): boolean {
  return (a === null ? '' : cadenceKey(a)) === (b === null ? '' : cadenceKey(b));
}

/** Tracks the chained ranges of each subject of one stream. */
class RangeTracker {
  private readonly subjects = new Map<string, { first: RangeEnd; last: RangeEnd; holes: RangeHole[]; fromStart: boolean; toEnd: boolean }>();

  constructor(private readonly range: RangeAnnotation) {}

  private ends(s: ScannedRecord): { from: JsonValue; to: JsonValue } | null {
    const from = atPointer(s.record.data, this.range.from);
    const to = atPointer(s.record.data, this.range.to);
    // Error records hold no range: skipped, not breaks.
    return from === undefined || to === undefined ? null : { from, to };
  }

  add(s: ScannedRecord): void {
    const ends = this.ends(s);
    if (!ends) return;
    const seen = this.subjects.get(s.record.subject.id);
    if (!seen) {
      this.subjects.set(s.record.subject.id, {
        first: { key: s.key, value: ends.from },
        last: { key: s.key, value: ends.to },
        holes: [],
        fromStart: ends.from === null,
        toEnd: false,
      });
      return;
    }
    if (JSON.stringify(ends.from) !== JSON.stringify(seen.last.value)) seen.holes.push({ after: seen.last, before: { key: s.key, value: ends.from } });
    seen.last = { key: s.key, value: ends.to };
  }

  /** Subjects whose start before the window is still unknown. */
  openStarts(): number {
    return [...this.subjects.values()].filter((s) => !s.fromStart).length;
  }

  openEnds(): number {
    return [...this.subjects.values()].filter((s) => !s.toEnd).length;
  }

  /** A record before the window: the nearest one of each subject decides whether its ranges reach the window's start. */
  addEarlier(s: ScannedRecord, decided: Set<string>): void {
    const seen = this.subjects.get(s.record.subject.id);
    const ends = this.ends(s);
    if (!seen || seen.fromStart || !ends || decided.has(s.record.subject.id)) return;
    decided.add(s.record.subject.id);
    if (JSON.stringify(ends.to) === JSON.stringify(seen.first.value)) seen.fromStart = true;
    else seen.holes.unshift({ after: { key: s.key, value: ends.to }, before: seen.first });
  }

  addLater(s: ScannedRecord, decided: Set<string>): void {
    const seen = this.subjects.get(s.record.subject.id);
    const ends = this.ends(s);
    if (!seen || !ends || decided.has(s.record.subject.id)) return;
    decided.add(s.record.subject.id);
    if (JSON.stringify(ends.from) === JSON.stringify(seen.last.value)) seen.toEnd = true;
    else seen.holes.push({ after: seen.last, before: { key: s.key, value: ends.from } });
  }

  result(): SubjectRanges[] {
    return [...this.subjects]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([subject, s]) => ({ subject, fromStart: s.fromStart, toEnd: s.toEnd, holes: s.holes, covered: s.fromStart && s.toEnd && s.holes.length === 0 }));
  }
}

/**
 * Coverage of one stream, fed its records of the window in seq order: pure computation, no reads. Periods are
 * judged by what was observed in them; a record's cadence, when it differs from the one before, starts a segment.
 */
export class StreamCoverageBuilder {
  private readonly segments: Segment[] = [];
  private readonly controls = new Set<string>();
  /** Records per distinct `controls` list, so records are counted exactly under any framework. */
  private readonly controlLists = new Map<string, { controls: readonly string[]; records: number }>();
  private readonly statuses = emptyStatuses();
  private records = 0;
  /** Notices that explain periods: [from, to] in milliseconds (a skipped run is a point). */
  private readonly explained: [number, number][] = [];
  private readonly runClasses = new Array<number>(6).fill(0);
  private lastRun = Number.NaN;
  private readonly from: number;
  private readonly end: number;
  ranges: RangeTracker | undefined;

  constructor(
    private readonly scan: Pick<StreamScan, 'stream' | 'agent' | 'collectorId'>,
    window: AuditWindow,
  ) {
    this.from = window.from.getTime();
    this.end = window.to.getTime() + 1;
  }

  /** A record of the stream before or after the window: its cadence and controls stand for a stream silent in the window, and its time helps infer one. */
  neighbour(record: EvidenceRecord | null): void {
    if (!record) return;
    if (this.records === 0 && this.segments.length === 0) for (const c of record.controls) this.controls.add(c);
    if (this.records === 0 && this.segments.length === 0 && record.cadence) this.segments.push(new Segment(record.cadence, this.from, this.end, false));
    if (!isNotice(record) && record.status !== 'error') this.run(Date.parse(record.observedAt));
  }

  /** The next record of the window; `range` is the x-evidence-range of the payload schema it names, if any. */
  add(s: ScannedRecord, range?: RangeAnnotation): void {
    const { record } = s;
    const t = Date.parse(record.observedAt);
    this.records++;
    this.statuses[record.status]++;
    for (const c of record.controls) this.controls.add(c);
    const list = JSON.stringify(record.controls);
    const counted = this.controlLists.get(list);
    if (counted) counted.records++;
    else this.controlLists.set(list, { controls: record.controls, records: 1 });
    const cadence = record.cadence ?? null;
    const current = this.segments.at(-1);
    if (!current || (this.records === 1 && !sameCadence(current.cadence, cadence))) {
      // The first record in the window states the cadence from the window's start.
      this.segments.length = 0;
      this.segments.push(new Segment(cadence, this.from, this.end, false));
    } else if (!sameCadence(current.cadence, cadence)) {
      current.close(t);
      this.segments.push(new Segment(cadence, t, this.end, true));
    }
    const segment = this.segments.at(-1)!;
    if (isNotice(record)) {
      const notice = record.data.notice;
      if (notice === 'run-skipped' && typeof record.data.scheduledAt === 'string') {
        const at = Date.parse(record.data.scheduledAt);
        this.explained.push([at, at]);
      } else if (notice === 'missed-runs' && typeof record.data.from === 'string' && typeof record.data.to === 'string') {
        this.explained.push([Date.parse(record.data.from), Date.parse(record.data.to)]);
      } else if (record.status === 'error') segment.add('err', t);
    } else if (record.status === 'error') segment.add('err', t);
    else {
      segment.add('ev', t);
      this.run(t);
    }
    if (range) this.ranges ??= new RangeTracker(range);
    this.ranges?.add(s);
  }

  private run(t: number): void {
    if (!Number.isNaN(this.lastRun) && Math.abs(t - this.lastRun) >= SAME_RUN_MS) this.runClasses[intervalClass(Math.abs(t - this.lastRun))]!++;
    if (Number.isNaN(this.lastRun) || Math.abs(t - this.lastRun) >= SAME_RUN_MS) this.lastRun = t;
  }

  /** The class of the median interval between runs, or null with fewer than two runs. */
  private inferred(): Cadence | null {
    const total = this.runClasses.reduce((a, b) => a + b, 0);
    if (total === 0) return null;
    let seen = 0;
    for (let i = 0; i < this.runClasses.length; i++) {
      seen += this.runClasses[i]!;
      if (seen * 2 >= total) return { every: classAt(i), inferred: true };
    }
    return null;
  }

  finish(): StreamCoverage {
    if (this.segments.length === 0) this.segments.push(new Segment(null, this.from, this.end, false));
    const segments: SegmentCoverage[] = [];
    for (const seg of this.segments) {
      let cadence = seg.cadence;
      if (!seg.periods) {
        cadence = this.inferred();
        if (cadence) {
          seg.lay(cadence);
          for (const t of seg.pending.ev) seg.add('ev', t);
          for (const t of seg.pending.err) seg.add('err', t);
        }
      }
      segments.push({ cadence, from: new Date(seg.start).toISOString(), to: new Date(seg.end - 1).toISOString(), ...tally(seg, this.explained) });
    }
    const total = sumTallies(segments);
    return {
      stream: this.scan.stream,
      agent: this.scan.agent,
      collectorId: this.scan.collectorId,
      controls: [...this.controls].sort(),
      records: this.records,
      statuses: this.statuses,
      ...total,
      segments,
      ...(this.ranges ? { ranges: this.ranges.result() } : {}),
    };
  }

  /** The segments with their per-period evidence, for combining streams per control. */
  laid(): { periods: Periods; evFirst: Float64Array; evLast: Float64Array; errFirst: Float64Array; cadence: Cadence }[] {
    return this.segments.flatMap((s) =>
      s.periods ? [{ periods: s.periods, evFirst: s.evFirst, evLast: s.evLast, errFirst: s.errFirst, cadence: s.cadence ?? this.inferred()! }] : [],
    );
  }

  explanations(): readonly [number, number][] {
    return this.explained;
  }

  /** The stream's records of the window grouped by the `controls` they state. */
  recordsByControls(): Iterable<{ controls: readonly string[]; records: number }> {
    return this.controlLists.values();
  }
}

function overlaps(explained: readonly [number, number][], start: number, end: number): boolean {
  return explained.some(([a, b]) => a < end && b >= start);
}

function stateOf(ev: boolean, err: boolean, explained: boolean): PeriodState {
  return ev ? 'evidenced' : err ? 'attempted' : explained ? 'explained' : 'gap';
}

function tallyStates(periods: Periods, state: (i: number) => PeriodState): Tally {
  const t: Tally = { periods: periods.starts.length, evidenced: 0, attempted: 0, explained: 0, gaps: 0, percent: 0, missing: [] };
  let run: PeriodRun | undefined;
  for (let i = 0; i < periods.starts.length; i++) {
    const s = state(i);
    if (s === 'gap') t.gaps++;
    else t[s]++;
    if (s === 'evidenced') {
      run = undefined;
      continue;
    }
    const to = new Date(periodEnd(periods, i) - 1).toISOString();
    if (run && run.state === s) {
      run.to = to;
      run.periods++;
    } else {
      run = { state: s, from: new Date(periods.starts[i]!).toISOString(), to, periods: 1 };
      t.missing.push(run);
    }
  }
  t.percent = percent(t.evidenced, t.periods);
  return t;
}

function percent(evidenced: number, periods: number): number {
  return periods === 0 ? 0 : Math.floor((evidenced / periods) * 1000) / 10;
}

function tally(seg: Segment, explained: readonly [number, number][]): Tally {
  if (!seg.periods) return { periods: 0, evidenced: 0, attempted: 0, explained: 0, gaps: 0, percent: 0, missing: [] };
  const p = seg.periods;
  return tallyStates(p, (i) => stateOf(!Number.isNaN(seg.evFirst[i]!), !Number.isNaN(seg.errFirst[i]!), overlaps(explained, p.starts[i]!, periodEnd(p, i))));
}

function sumTallies(parts: Tally[]): Tally {
  const t: Tally = { periods: 0, evidenced: 0, attempted: 0, explained: 0, gaps: 0, percent: 0, missing: [] };
  for (const p of parts) {
    t.periods += p.periods;
    t.evidenced += p.evidenced;
    t.attempted += p.attempted;
    t.explained += p.explained;
    t.gaps += p.gaps;
    t.missing.push(...p.missing);
  }
  t.percent = percent(t.evidenced, t.periods);
  return t;
}

export interface StreamResult {
  coverage: StreamCoverage;
  builder: StreamCoverageBuilder;
}

/** The report's framework when the caller names none. */
function defaultFramework(): Framework {
  return loadFramework(DEFAULT_FRAMEWORK);
}

/** Ids in the framework's order; ids it does not list (third-party collectors' own SOC 2 ids) after, sorted. */
function inFrameworkOrder(ids: Iterable<string>, framework: Framework): string[] {
  const order = new Map(framework.controls.map((c, i) => [c.id, i]));
  const rank = (id: string) => order.get(id) ?? order.size;
  return [...ids].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface CombineOptions {
  /** The framework whose ids the controls are reported under (default soc2); `only` is then one of its ids. */
  framework?: Framework;
}

/**
 * Combines the streams that carry each control (a fleet, or an agent replaced mid-window): on the grid of the
 * coarsest cadence among them, a period is evidenced when any stream observed evidence in it. Under another
 * framework than SOC 2, a control's streams are those stating any SOC 2 id that maps to it, combined the same way.
 */
export function combineControls(results: StreamResult[], window: AuditWindow, only?: string, options: CombineOptions = {}): ControlCoverage[] {
  const framework = options.framework ?? defaultFramework();
  const soc2 = loadFramework('soc2');
  const byControl = new Map<string, { streams: StreamResult[]; soc2Controls: Set<string> }>();
  for (const r of results) {
    for (const stated of r.coverage.controls) {
      for (const c of framework.map([stated]).ids) {
        if (only !== undefined && c !== only) continue;
        const entry = byControl.get(c) ?? { streams: [], soc2Controls: new Set<string>() };
        if (!entry.streams.includes(r)) entry.streams.push(r);
        entry.soc2Controls.add(stated);
        byControl.set(c, entry);
      }
    }
  }
  const from = window.from.getTime();
  const end = window.to.getTime() + 1;
  const controls: ControlCoverage[] = [];
  for (const control of inFrameworkOrder(byControl.keys(), framework)) {
    const { streams, soc2Controls } = byControl.get(control)!;
    const laid = streams.flatMap((s) => s.builder.laid());
    let grid: Cadence | null = null;
    let gridLength = -1;
    for (const l of laid) {
      const length = nominalLength(l.cadence, l.periods);
      if (length > gridLength) [grid, gridLength] = [l.cadence, length];
    }
    const statuses = emptyStatuses();
    for (const s of streams) for (const k of Object.keys(statuses) as RecordStatus[]) statuses[k] += s.coverage.statuses[k];
    const ranges = streams.flatMap((s) => s.coverage.ranges ?? []);
    const base = {
      control,
      title: framework.title(control) ?? null,
      soc2Controls: inFrameworkOrder(soc2Controls, soc2),
      streams: streams.map((s) => s.coverage.stream),
      cadence: grid,
      records: streams.reduce((n, s) => n + s.coverage.records, 0),
      statuses,
      rangesCovered: streams.some((s) => s.coverage.ranges) ? ranges.every((r) => r.covered) : null,
    };
    if (!grid) {
      controls.push({ ...base, periods: 0, evidenced: 0, attempted: 0, explained: 0, gaps: 0, percent: 0, missing: [] });
      continue;
    }
    const periods = periodsOf(grid, from, end);
    const n = periods.starts.length;
    const ev = new Uint8Array(n);
    const err = new Uint8Array(n);
    for (const l of laid) {
      for (let i = 0; i < l.periods.starts.length; i++) {
        for (const t of [l.evFirst[i]!, l.evLast[i]!]) if (!Number.isNaN(t) && periodIndex(periods, t) >= 0) ev[periodIndex(periods, t)] = 1;
        const e = l.errFirst[i]!;
        if (!Number.isNaN(e) && periodIndex(periods, e) >= 0) err[periodIndex(periods, e)] = 1;
      }
    }
    const explained = streams.flatMap((s) => s.builder.explanations());
    controls.push({
      ...base,
      ...tallyStates(periods, (i) => stateOf(ev[i] === 1, err[i] === 1, overlaps(explained, periods.starts[i]!, periodEnd(periods, i)))),
    });
  }
  return controls;
}

/** Reads one stream of the window and computes its coverage; ranges are followed past the window's ends as needed. */
export async function streamCoverage(scan: StreamScan, window: AuditWindow, annotations: AnnotationReader, observe?: RecordObserver): Promise<StreamResult> {
  const { before, after } = await scan.neighbours();
  const builder = new StreamCoverageBuilder(scan, window);
  builder.neighbour(before?.record ?? null);
  for await (const s of scan.records()) {
    builder.add(s, (await annotations.of(s.record)).range);
    observe?.(s, scan);
  }
  builder.neighbour(after?.record ?? null);
  const ranges = builder.ranges;
  if (ranges) {
    const starts = ranges.openStarts();
    const decided = new Set<string>();
    for await (const s of scan.earlier(RANGE_DAYS)) {
      if (decided.size >= starts) break;
      ranges.addEarlier(s, decided);
    }
    const ends = ranges.openEnds();
    decided.clear();
    for await (const s of scan.later(RANGE_DAYS)) {
      if (decided.size >= ends) break;
      ranges.addLater(s, decided);
    }
  }
  return { coverage: builder.finish(), builder };
}

/** Streams computed at once: one per core keeps parsing busy while the other waits on reads. */
const STREAMS_AT_ONCE = 2;

/** A store with no stream under records/: no evidence at all, most likely the wrong store. */
export class EmptyStoreError extends Error {
  override name = 'EmptyStoreError';
}

/** Sees each record of the window once, as coverage reads it, so a caller summarises in the same pass (the report). */
export type RecordObserver = (record: ScannedRecord, scan: StreamScan) => void;

/** The coverage of every stream of a store over a window, with the builders combineControls needs. */
export async function streamResults(store: EvidenceStore, window: AuditWindow, observe?: RecordObserver): Promise<StreamResult[]> {
  const scans: StreamScan[] = [];
  for await (const scan of scanStreams(store, window)) scans.push(scan);
  if (scans.length === 0) throw new EmptyStoreError(`${store.url} holds no records under records/`);
  const annotations = new AnnotationReader(store);
  return mapLimit(scans, STREAMS_AT_ONCE, (scan) => streamCoverage(scan, window, annotations, observe));
}

/** The framework as a report names it; the file relative to the package when it is the package's own. */
export function frameworkInfo(framework: Framework): FrameworkInfo {
  const file = framework.file.startsWith(`${PACKAGE_ROOT}${sep}`) ? relative(PACKAGE_ROOT, framework.file) : framework.file;
  return { id: framework.id, name: framework.name, official: false, status: framework.status, file };
}

/** The SOC 2 ids that records of `results` state and that map to nothing in `framework`, with their record counts. */
export function unmappedRecords(results: StreamResult[], framework: Framework): UnmappedRecords {
  const soc2 = loadFramework('soc2');
  const byId = new Map<string, { records: number; streams: Set<string> }>();
  let records = 0;
  for (const r of results) {
    for (const { controls, records: n } of r.builder.recordsByControls()) {
      // A record that states no control (the audit stream's) is not one the framework fails to map.
      if (controls.length === 0) continue;
      const { ids, unmapped } = framework.map(controls);
      if (ids.length === 0) records += n;
      for (const id of unmapped) {
        const entry = byId.get(id) ?? { records: 0, streams: new Set<string>() };
        entry.records += n;
        entry.streams.add(r.coverage.stream);
        byId.set(id, entry);
      }
    }
  }
  return {
    controls: inFrameworkOrder(byId.keys(), soc2).map((control) => {
      const { records: n, streams } = byId.get(control)!;
      return { control, title: soc2.title(control) ?? null, records: n, streams: [...streams].sort() };
    }),
    records,
  };
}

export interface CoverageOptions {
  /** The framework whose ids `control` and the report speak (default soc2); see loadFramework. */
  framework?: Framework;
}

/**
 * What `--control` selects in a framework. The framework's list is checked before the store is read; an id outside
 * the SOC 2 catalog may still be a third-party collector's own, so that one waits for the ids records state.
 */
function selectEarly(framework: Framework, control: string): ControlSelection | null {
  try {
    return framework.select(control);
  } catch (err) {
    if (err instanceof UnknownControlError && framework.id === 'soc2') return null;
    throw err;
  }
}

/**
 * Coverage of every stream of a store over a window, and of each control (or only `control`) they carry, in the ids
 * of `options.framework` (SOC 2 by default). Throws UnknownControlError for a `control` the framework does not list
 * (nor, under soc2, any record of the window states).
 */
export async function coverageReport(store: EvidenceStore, window: AuditWindow, control?: string, options: CoverageOptions = {}): Promise<CoverageReport> {
  const framework = options.framework ?? defaultFramework();
  let selection = control === undefined ? null : selectEarly(framework, control);
  const results = await streamResults(store, window);
  if (control !== undefined)
    selection ??= framework.select(
      control,
      results.flatMap((r) => r.coverage.controls),
    );
  const selected = selection === null ? results : results.filter((r) => r.coverage.controls.some((c) => selection.soc2Ids.includes(c)));
  const controls = combineControls(selected, window, selection?.control, { framework });
  if (selection !== null && controls.length === 0) {
    // A control nothing evidences is 0% covered, not an error: --min must fail on it.
    controls.push({
      control: selection.control,
      title: framework.title(selection.control) ?? null,
      soc2Controls: [],
      streams: [],
      cadence: null,
      records: 0,
      statuses: emptyStatuses(),
      rangesCovered: null,
      periods: 0,
      evidenced: 0,
      attempted: 0,
      explained: 0,
      gaps: 0,
      percent: 0,
      missing: [],
    });
  }
  return {
    store: store.url,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    framework: frameworkInfo(framework),
    selected: selection === null ? null : { control: selection.control, soc2Controls: selection.soc2Ids },
    controls,
    streams: selected.map((r) => r.coverage),
    unmapped: unmappedRecords(selected, framework),
  };
}
