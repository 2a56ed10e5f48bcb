import type { GraphDataset, GraphJob, LineageGraph } from '../judge/graph.js';
import type { DeployedVerdict } from '../judge/models.js';

/** More than this and the diagram stops being readable: the JSON graph has everything. */
export const MAX_DIAGRAM_NODES = 200;

/** A quoted label of lines, each escaped so that names cannot break out of it. */
function label(...lines: string[]): string {
  const entities = (text: string) => text.replaceAll('&', '#amp;').replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
  return `"${lines.map(entities).join('<br/>')}"`;
}

function versions(d: GraphDataset): string[] {
  if (d.versions.length === 0) return [];
  return [d.versions.length <= 3 ? `version ${d.versions.join(', ')}` : `${d.versions.length} versions`];
}

/**
 * A Mermaid flowchart of dataset-to-model lineage: every model, the jobs that
 * wrote it and what they read, back to the first datasets; and each deployed
 * model with no lineage, marked. Only what leads to a model is drawn.
 */
export function lineageDiagram(graph: LineageGraph, deployed: readonly DeployedVerdict[]): string {
  const datasets = new Map(graph.datasets.map((d) => [d.id, d]));
  const jobs = new Map(graph.jobs.map((j) => [j.id, j]));
  const upstream = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = upstream.get(e.to);
    if (list) list.push(e.from);
    else upstream.set(e.to, [e.from]);
  }
  // Walks back from the models; `seen` keeps the walk finite on cycles (a job that rewrites its input).
  const seen = new Set<string>();
  const queue = graph.datasets.filter((d) => d.model).map((d) => d.id);
  const missing = deployed.filter((v) => v.datasets.length === 0).map((v) => v.name);
  const left = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    if (seen.size >= MAX_DIAGRAM_NODES) {
      left.add(id);
      continue;
    }
    seen.add(id);
    for (const from of upstream.get(id) ?? []) if (!seen.has(from)) queue.push(from);
  }

  const ids = new Map<string, string>();
  const node = (id: string) => {
    let n = ids.get(id);
    if (!n) {
      n = `n${ids.size}`;
      ids.set(id, n);
    }
    return n;
  };
  const lines = ['flowchart LR'];
  const withoutLineage = new Set(deployed.filter((v) => !v.lineage).flatMap((v) => v.datasets));
  for (const id of [...seen].sort()) {
    const d = datasets.get(id);
    const j: GraphJob | undefined = jobs.get(id);
    if (d) {
      const text = label(d.namespace, d.name, ...versions(d));
      lines.push(d.model ? `  ${node(id)}{{${text}}}:::${withoutLineage.has(id) ? 'missing' : 'model'}` : `  ${node(id)}[(${text})]`);
    } else if (j) {
      lines.push(`  ${node(id)}[${label(j.namespace, j.name, `runs: ${j.runs.completed} completed, ${j.runs.failed} failed`)}]:::job`);
    }
  }
  for (const name of missing) lines.push(`  ${node(`missing:${name}`)}{{${label(name, 'deployed, no lineage')}}}:::missing`);
  for (const e of graph.edges) if (seen.has(e.from) && seen.has(e.to)) lines.push(`  ${node(e.from)} --> ${node(e.to)}`);
  lines.push('  classDef model fill:#e3f2e6,stroke:#2e7d32', '  classDef job fill:#eef1f8,stroke:#3f51b5', '  classDef missing fill:#fdecea,stroke:#c62828');
  if (left.size > 0) lines.push(`  %% ${left.size} more nodes upstream of the models are left out; lineage-graph.json has them all`);
  return `${lines.join('\n')}\n`;
}
