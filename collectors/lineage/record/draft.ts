import type { Attachment, Finding, RecordDraft } from '../../../src/collector/contract.js';
import type { LineageGraph } from '../judge/graph.js';
import { type DeployedVerdict, modelFindings } from '../judge/models.js';
import type { RetentionResult } from '../judge/retention.js';
import { type RunVerdicts, runFindings } from '../judge/runs.js';
import type { LineagePayload } from '../schema.js';

/** Findings that fail the record; `event-invalid` and `retention-location-missing` are reported without failing it. */
const FAILING: ReadonlySet<string> = new Set([
  'model-without-lineage',
  'run-incomplete',
  'retention-expired-present',
  'retention-unchecked',
  'source-unreadable',
]);

export interface LineageObservation {
  name: string;
  events: { folded: number; duplicates: number };
  invalid: { count: number; examples: LineagePayload['invalidExamples'] };
  runs: RunVerdicts;
  incompleteAfterHours: number;
  graph: LineageGraph;
  graphAttachment: Attachment;
  diagram: Attachment;
  deployed: DeployedVerdict[];
  sources: LineagePayload['sources'];
  retention: RetentionResult[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function sourceFindings(sources: LineagePayload['sources']): Finding[] {
  return sources
    .filter((s) => s.error !== null)
    .map((s) => ({
      code: 'source-unreadable',
      severity: 'high',
      ref: s.source,
      message: `${s.error} (events read from it before that: ${s.events}); the lineage may be incomplete.`,
    }));
}

function invalidFindings(invalid: LineageObservation['invalid']): Finding[] {
  const listed: Finding[] = invalid.examples.map((e) => ({
    code: 'event-invalid',
    severity: 'low',
    ref: `${e.at}:${e.line}`,
    message: `Not a valid OpenLineage run event (${e.reason}); not folded into the graph.`,
  }));
  const more = invalid.count - listed.length;
  if (more > 0) listed.push({ code: 'event-invalid', severity: 'low', message: `${more} more invalid events beyond the ${listed.length} cited.` });
  return listed;
}

function retentionFindings(results: readonly RetentionResult[]): Finding[] {
  return results.flatMap((r): Finding[] => {
    if (r.error !== null) {
      return [
        ...r.findings,
        {
          code: 'retention-unchecked',
          severity: 'high',
          ref: r.rule.location,
          message: `${r.rule.location} could not be listed to the end (${r.error}); ${r.tally.objectsChecked} objects were checked before that.`,
        },
      ];
    }
    if (!r.found) {
      return [
        {
          code: 'retention-location-missing',
          severity: 'low',
          ref: r.rule.location,
          message: `${r.rule.location} does not exist: nothing is stored there (if the location is misspelt, nothing was checked).`,
        },
      ];
    }
    return r.findings;
  });
}

/** The one record of a run: the graph's counts and hash, and every problem found. */
export function lineageDraft(o: LineageObservation): RecordDraft<LineagePayload> {
  const findings = [
    ...sourceFindings(o.sources),
    ...modelFindings(o.deployed),
    ...runFindings(o.runs, o.incompleteAfterHours),
    ...retentionFindings(o.retention),
    ...invalidFindings(o.invalid),
  ];
  const failing = findings.filter((f) => FAILING.has(f.code));
  const models = o.graph.datasets.filter((d) => d.model).length;
  const r = o.runs.counts;
  const checked = o.retention.reduce((n, x) => n + x.tally.objectsChecked, 0);
  const summary =
    `${o.name}: ${plural(o.events.folded, 'event')} (${o.invalid.count} invalid), ${plural(r.total, 'run')} ` +
    `(${r.completed} completed, ${r.failed} failed, ${r.aborted} aborted, ${r.incomplete} incomplete), ` +
    `${plural(o.graph.datasets.length, 'dataset')}, ${plural(models, 'model')}; ` +
    `${o.deployed.filter((d) => d.lineage).length} of ${o.deployed.length} deployed models with lineage; ` +
    `retention: ${plural(checked, 'object')} checked` +
    (failing.length > 0 ? `; ${plural(failing.length, 'problem')} (${[...new Set(failing.map((f) => f.code))].join(', ')}).` : '.');
  return {
    subject: { kind: 'lineage-graph', id: o.name },
    status: failing.length > 0 ? 'fail' : 'pass',
    summary,
    findings,
    attachments: [o.graphAttachment, o.diagram],
    data: {
      name: o.name,
      events: { folded: o.events.folded, duplicates: o.events.duplicates, invalid: o.invalid.count },
      invalidExamples: o.invalid.examples,
      runs: r,
      incompleteAfterHours: o.incompleteAfterHours,
      graph: { datasets: o.graph.datasets.length, models, jobs: o.graph.jobs.length, edges: o.graph.edges.length, sha256: o.graphAttachment.sha256 },
      deployedModels: o.deployed,
      sources: o.sources,
      retention: o.retention.map((x) => ({
        location: x.rule.location,
        days: x.rule.days,
        objectsChecked: x.tally.objectsChecked,
        expiredPresent: x.tally.expiredPresent,
        found: x.found,
        error: x.error,
      })),
    },
  };
}
