import type { DatasetNode, LineageFold } from './fold.js';

/** The lineage graph as it is attached and hashed: plain JSON, every list sorted, so the same events always give the same bytes. */
export interface LineageGraph {
  /** Dataset nodes, sorted by id. */
  datasets: GraphDataset[];
  /** Job nodes, sorted by id; a job's runs are folded into it. */
  jobs: GraphJob[];
  /** Input edges (dataset to job) and output edges (job to dataset), sorted by from, then to. */
  edges: GraphEdge[];
  format: 'evidence-agent/lineage-graph/v1';
}

export interface GraphDataset {
  id: string;
  namespace: string;
  name: string;
  model: boolean;
  versions: string[];
  firstEventTime: string;
  lastEventTime: string;
  /** Models only: the datasets read by the runs that wrote it (runs that failed or were aborted left out). */
  producedFrom?: string[];
}

export interface GraphJob {
  id: string;
  namespace: string;
  name: string;
  /** `open`: no terminal event (yet). */
  runs: { total: number; completed: number; failed: number; aborted: number; open: number };
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Distinct runs that read (or wrote) the dataset. */
  runs: number;
  /** Dataset versions those runs named. */
  versions: string[];
}

export const datasetId = (d: { namespace: string; name: string }): string => `dataset:${d.namespace}|${d.name}`;
export const jobId = (j: { namespace: string; name: string }): string => `job:${j.namespace}|${j.name}`;

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const sorted = (values: Iterable<string>) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * For each dataset in `targets`, the datasets read by the runs that wrote it,
 * leaving out runs that failed or were aborted: what it was made from.
 */
export function producedFrom(fold: LineageFold, targets: ReadonlySet<number>): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  if (targets.size === 0) return out;
  for (const run of fold.runs.values()) {
    if (run.terminal === 'FAIL' || run.terminal === 'ABORT' || run.inputs.length === 0) continue;
    for (const o of run.outputs) {
      const target = fold.versionDataset[o]!;
      if (!targets.has(target)) continue;
      let inputs = out.get(target);
      if (!inputs) {
        inputs = new Set();
        out.set(target, inputs);
      }
      for (const i of run.inputs) {
        const source = fold.versionDataset[i]!;
        if (source !== target) inputs.add(source);
      }
    }
  }
  return out;
}

/** The graph of a fold; `isModel` says which datasets are models (typed MODEL, or named like one). */
export function buildGraph(fold: LineageFold, isModel: (d: DatasetNode) => boolean): LineageGraph {
  const models = new Set<number>();
  fold.datasets.forEach((d, i) => {
    if (isModel(d)) models.add(i);
  });
  const made = producedFrom(fold, models);
  const datasets: GraphDataset[] = fold.datasets.map((d, i) => ({
    id: datasetId(d),
    namespace: d.namespace,
    name: d.name,
    model: models.has(i),
    versions: sorted(d.versions),
    firstEventTime: new Date(d.first).toISOString(),
    lastEventTime: new Date(d.last).toISOString(),
    ...(models.has(i) ? { producedFrom: sorted([...(made.get(i) ?? [])].map((s) => datasetId(fold.datasets[s]!))) } : {}),
  }));

  const jobs: GraphJob[] = fold.jobs.map((j) => ({
    id: jobId(j),
    namespace: j.namespace,
    name: j.name,
    runs: { total: 0, completed: 0, failed: 0, aborted: 0, open: 0 },
  }));
  // Keyed by numbers (dataset, job and direction), so that no string is built per run.
  const edges = new Map<number, { from: string; to: string; runs: number; versions: Set<string> }>();
  const seenInRun = new Set<number>();
  for (const run of fold.runs.values()) {
    const job = jobs[run.job]!;
    job.runs.total++;
    if (run.terminal === 'COMPLETE') job.runs.completed++;
    else if (run.terminal === 'FAIL') job.runs.failed++;
    else if (run.terminal === 'ABORT') job.runs.aborted++;
    else job.runs.open++;
    // A run that read two versions of one dataset is still one run on that edge.
    seenInRun.clear();
    for (const [list, direction] of [
      [run.inputs, 0],
      [run.outputs, 1],
    ] as const) {
      for (const v of list) {
        const d = fold.versionDataset[v]!;
        const key = (d * fold.jobs.length + run.job) * 2 + direction;
        let e = edges.get(key);
        if (!e) {
          const dataset = datasets[d]!.id;
          e = direction === 0 ? { from: dataset, to: job.id, runs: 0, versions: new Set() } : { from: job.id, to: dataset, runs: 0, versions: new Set() };
          edges.set(key, e);
        }
        if (!seenInRun.has(key)) {
          seenInRun.add(key);
          e.runs++;
        }
        const version = fold.versionName[v]!;
        if (version !== null) e.versions.add(version);
      }
    }
  }
  return {
    datasets: datasets.sort(byId),
    jobs: jobs.sort(byId),
    edges: [...edges.values()]
      .map((e) => ({ from: e.from, to: e.to, runs: e.runs, versions: sorted(e.versions) }))
      .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0)),
    format: 'evidence-agent/lineage-graph/v1',
  };
}
