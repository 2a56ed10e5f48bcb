import type { Finding } from '../../../src/collector/contract.js';
import type { DatasetNode, LineageFold } from './fold.js';
import { datasetId, producedFrom } from './graph.js';

/** A glob as a regular expression: `*` stays within a `/` segment, `**` crosses them, `?` is one character. */
export function globPattern(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Which datasets are models: a `datasetType` facet of MODEL, or a name matching one of the patterns. */
export function modelTest(namePatterns: readonly string[]): (d: DatasetNode) => boolean {
  const patterns = namePatterns.map(globPattern);
  return (d) => d.typedModel || patterns.some((p) => p.test(d.name));
}

/**
 * Whether a dataset is the deployed model `name`: its name is the model's
 * name, or ends in `/<name>` (a model stored as `models/fraud-detector`), or
 * `<namespace>/<name>` is it.
 */
export function namesModel(d: { namespace: string; name: string }, model: string): boolean {
  const name = d.name.replace(/\/+$/, '');
  return name === model || name.endsWith(`/${model}`) || `${d.namespace.replace(/\/+$/, '')}/${name}` === model;
}

export interface DeployedVerdict {
  name: string;
  datasets: string[];
  inputs: string[];
  lineage: boolean;
}

const LISTED_INPUTS = 20;

/** For each deployed model: the datasets that are it, and what the runs that wrote them read. */
export function deployedLineage(fold: LineageFold, deployed: readonly string[]): DeployedVerdict[] {
  const matches = deployed.map((model) => fold.datasets.flatMap((d, i) => (namesModel(d, model) ? [i] : [])));
  const made = producedFrom(fold, new Set(matches.flat()));
  return deployed.map((name, k) => {
    const inputs = new Set<string>();
    for (const d of matches[k]!) for (const s of made.get(d) ?? []) inputs.add(datasetId(fold.datasets[s]!));
    const list = [...inputs].sort();
    return { name, datasets: matches[k]!.map((d) => datasetId(fold.datasets[d]!)).sort(), inputs: list.slice(0, LISTED_INPUTS), lineage: list.length > 0 };
  });
}

export function modelFindings(verdicts: readonly DeployedVerdict[]): Finding[] {
  return verdicts
    .filter((v) => !v.lineage)
    .map((v) => ({
      code: 'model-without-lineage',
      severity: 'high',
      ref: v.name,
      message:
        v.datasets.length === 0
          ? `Deployed model ${v.name}: no dataset in the lineage events is this model, so nothing shows what it was trained on.`
          : `Deployed model ${v.name} (${v.datasets.join(', ')}): no run that wrote it (and did not fail or abort) read any input dataset.`,
    }));
}
