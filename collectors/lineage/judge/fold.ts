import type { DatasetRef, EventType, RunEvent } from './event.js';

/** A dataset as the events name it: namespace and name; its versions are kept on it. */
export interface DatasetNode {
  readonly namespace: string;
  readonly name: string;
  /** A `datasetType` facet said MODEL in some event. */
  typedModel: boolean;
  readonly versions: Set<string>;
  /** Earliest and latest eventTime (ms) of the events that name it. */
  first: number;
  last: number;
}

export interface JobNode {
  readonly namespace: string;
  readonly name: string;
}

export type Terminal = 'COMPLETE' | 'FAIL' | 'ABORT';

/** What one run left in the fold: never the events themselves. */
export interface RunState {
  readonly job: number;
  /** Earliest START or RUNNING eventTime; null when neither came. */
  started: number | null;
  /** The terminal event with the latest eventTime; null while there is none. */
  terminal: Terminal | null;
  terminalAt: number;
  /** Keys of the events already folded (type and time), to count a resent event once. */
  seen: number[];
  /** Dataset versions read and written (ids into the fold's version table), each once. */
  inputs: number[];
  outputs: number[];
}

const TYPE_CODE: Record<EventType, number> = { START: 0, RUNNING: 1, COMPLETE: 2, ABORT: 3, FAIL: 4, OTHER: 5 };
/** When two terminal events of a run carry the same time, the worse one stands, whatever order they were read in. */
const TERMINAL_RANK: Record<Terminal, number> = { COMPLETE: 0, ABORT: 1, FAIL: 2 };

function isTerminal(type: EventType): type is Terminal {
  return type === 'COMPLETE' || type === 'FAIL' || type === 'ABORT';
}

/**
 * Folds run events into a lineage graph, one event at a time, in any order:
 * the same events give the same graph whatever order they come in, and an
 * event read twice (in two sources, or resent by a client) counts once.
 * Memory grows with distinct datasets, jobs and runs, never with events.
 */
export class LineageFold {
  readonly datasets: DatasetNode[] = [];
  readonly jobs: JobNode[] = [];
  readonly runs = new Map<string, RunState>();
  /** Dataset version table: which dataset, and which version (null: unversioned). */
  readonly versionDataset: number[] = [];
  readonly versionName: (string | null)[] = [];
  folded = 0;
  duplicates = 0;

  /** By namespace, then name: nested maps, so that no key string is built per event. */
  private readonly datasetIndex = new Map<string, Map<string, number>>();
  private readonly jobIndex = new Map<string, Map<string, number>>();
  /** Per dataset: its version ids by version (null: unversioned). */
  private readonly versionIndex: Map<string | null, number>[] = [];

  /** Folds one valid event; false when it was already folded. */
  add(event: RunEvent): boolean {
    const key = event.time * 8 + TYPE_CODE[event.type];
    let run = this.runs.get(event.runId);
    if (!run) {
      run = { job: this.job(event.job), started: null, terminal: null, terminalAt: Number.NEGATIVE_INFINITY, seen: [], inputs: [], outputs: [] };
      this.runs.set(event.runId, run);
    } else if (run.seen.includes(key)) {
      this.duplicates++;
      return false;
    }
    run.seen = appended(run.seen, key);
    this.folded++;
    if (event.type === 'START' || event.type === 'RUNNING') {
      if (run.started === null || event.time < run.started) run.started = event.time;
    } else if (isTerminal(event.type)) {
      const later = event.time > run.terminalAt;
      const tie = event.time === run.terminalAt && run.terminal !== null && TERMINAL_RANK[event.type] > TERMINAL_RANK[run.terminal];
      if (later || tie) {
        run.terminal = event.type;
        run.terminalAt = event.time;
      }
    }
    for (const d of event.inputs) run.inputs = appended(run.inputs, this.version(d, event.time));
    for (const d of event.outputs) run.outputs = appended(run.outputs, this.version(d, event.time));
    return true;
  }

  private job(job: { namespace: string; name: string }): number {
    return indexed(this.jobIndex, job, () => this.jobs.push({ namespace: job.namespace, name: job.name }) - 1);
  }

  private version(ref: DatasetRef, time: number): number {
    const d = indexed(this.datasetIndex, ref, () => {
      this.versionIndex.push(new Map());
      return this.datasets.push({ namespace: ref.namespace, name: ref.name, typedModel: false, versions: new Set(), first: time, last: time }) - 1;
    });
    const node = this.datasets[d]!;
    if (ref.type === 'MODEL') node.typedModel = true;
    if (time < node.first) node.first = time;
    if (time > node.last) node.last = time;
    if (ref.version !== null) node.versions.add(ref.version);
    const versions = this.versionIndex[d]!;
    let v = versions.get(ref.version);
    if (v === undefined) {
      v = this.versionDataset.push(d) - 1;
      this.versionName.push(ref.version);
      versions.set(ref.version, v);
    }
    return v;
  }
}

function indexed(index: Map<string, Map<string, number>>, key: { namespace: string; name: string }, add: () => number): number {
  let names = index.get(key.namespace);
  if (!names) {
    names = new Map();
    index.set(key.namespace, names);
  }
  let i = names.get(key.name);
  if (i === undefined) {
    i = add();
    names.set(key.name, i);
  }
  return i;
}

/**
 * The list with the value added, unless it holds it already: a new array of
 * exactly the right length (concat makes one). A run holds a few values, and
 * growing an array in place, or spreading it, reserves room for 17, which
 * across a million runs is most of the fold's memory.
 */
function appended(list: number[], value: number): number[] {
  return list.includes(value) ? list : list.concat(value);
}
