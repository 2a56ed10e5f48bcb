import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvidenceStore } from '../../store/types.js';
import { type ControlCoverage, coverageReport } from '../coverage.js';
import type { Framework } from '../frameworks.js';
import { besideOutput, publishFile, TextFile } from '../output-file.js';
import { type AuditWindow, scanStreams } from '../scan.js';
import { backMatter, documentUuid, type ExportQuery, findingUuid, importAp, metadata, resultHead, resultRemarks } from './document.js';
import { controlToken, prop, TOOL_COMPONENT_UUID } from './ids.js';
import { observationOf, observationUuid } from './observation.js';
import type { FindingHead, TargetState } from './types.js';
import { FailureTracker, type OpenFailure, verdictOf } from './verdict.js';

export interface ExportSummary {
  observations: number;
  findings: { control: string; state: TargetState }[];
}

/** Two spaces a level, as JSON.stringify(value, null, 2) indents, so the streamed document reads as one. */
const pad = (depth: number) => '  '.repeat(depth);

/** A value as indented JSON, to follow `pad(depth)` on its line. */
function valueText(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${pad(depth)}`);
}

/** An object's members as indented JSON without its braces, so streamed members can follow them. */
function membersText(value: object, depth: number): string {
  return (
    pad(depth - 1) +
    JSON.stringify(value, null, 2)
      .slice(2, -2)
      .replaceAll('\n', `\n${pad(depth - 1)}`)
  );
}

/** A control of the framework the evidence names, its coverage, and where its related observations wait. */
interface Target {
  coverage: ControlCoverage;
  related: number;
  file?: TextFile;
  path: string;
}

function coverageLine(c: ControlCoverage): string {
  const ranges = c.rangesCovered === null ? '' : c.rangesCovered ? '; chained ranges whole' : '; chained ranges NOT whole';
  return (
    `Coverage ${c.percent.toFixed(1)}%: ${c.evidenced} of ${c.periods} periods evidenced, ${c.attempted} attempted, ${c.explained} explained, ${c.gaps} gaps${ranges}. ` +
    `${c.records} records (pass ${c.statuses.pass}, fail ${c.statuses.fail}, error ${c.statuses.error}, info ${c.statuses.info}) from ${c.streams.join(', ') || 'no stream'}.`
  );
}

function findingHead(q: ExportQuery, c: ControlCoverage, open: OpenFailure[]): { head: FindingHead; state: TargetState } {
  const verdict = verdictOf(c, open);
  const shown = open.slice(0, 20).map((o) => `- ${o.stream} ${o.subject}: last failed in ${o.key}`);
  if (open.length > shown.length) shown.push(`- and ${open.length - shown.length} more`);
  const description = [
    verdict.state === 'satisfied' ? 'Satisfied: every period evidenced and no subject left failing.' : `Not satisfied: ${verdict.reasons.join('; ')}.`,
    '',
    coverageLine(c),
    ...(q.framework.id === 'soc2' ? [] : [`From the SOC 2 criteria ${c.soc2Controls.join(', ')} (this project's own mapping).`]),
    ...(shown.length > 0 ? ['', 'Subjects still failing:', ...shown] : []),
  ].join('\n');
  const token = controlToken(c.control);
  return {
    state: verdict.state,
    head: {
      uuid: findingUuid(q, c.control),
      title: `${c.control}${c.title ? ` ${c.title}` : ''}: ${verdict.state}`,
      description,
      props: [
        prop('control', c.control),
        ...(q.framework.id === 'soc2' ? [] : c.soc2Controls.map((id) => prop('soc2-criterion', id))),
        prop('coverage-percent', c.percent.toFixed(1)),
        prop('records', String(c.records)),
        prop('subjects-failing', String(open.length)),
      ],
      origins: [{ actors: [{ type: 'tool', 'actor-uuid': TOOL_COMPONENT_UUID }] }],
      target: {
        type: 'objective-id',
        'target-id': token,
        title: c.title ?? c.control,
        ...(token === c.control ? {} : { props: [prop('control-id', c.control)] }),
        status: { state: verdict.state, reason: verdict.state === 'satisfied' ? 'pass' : 'fail' },
      },
    },
  };
}

/**
 * Writes an OSCAL 1.0.6 assessment-results document of the window to `out`, which must not exist. Coverage is
 * computed first (coverageReport, its own pass over the store); then the records are read once more in stream and
 * seq order and each is written as an observation as it is read, its UUID appended to a file per control for the
 * findings. Only per-control and per-subject state is held, never the records. The document is put together in a
 * folder beside `out` and linked into place when complete.
 */
export async function writeAssessmentResults(store: EvidenceStore, window: AuditWindow, framework: Framework, out: string): Promise<ExportSummary> {
  const q: ExportQuery = { store: store.url, window, framework };
  const coverage = await coverageReport(store, window, undefined, { framework });
  const work = besideOutput(out, 'export');
  await mkdir(work, { mode: 0o700 });
  try {
    // In the framework's order, as coverage lists them.
    const targets = new Map<string, Target>(coverage.controls.map((c, i) => [c.control, { coverage: c, related: 0, path: join(work, `related-${i}.json`) }]));
    const controls = [...targets.keys()];

    const failures = new FailureTracker();
    const bodyPath = join(work, 'observations.json');
    const body = await TextFile.open(bodyPath);
    let observations = 0;
    let newest = Number.NEGATIVE_INFINITY;
    let lastModified = window.from.toISOString();
    try {
      for await (const scan of scanStreams(store, window)) {
        for await (const s of scan.records()) {
          const mapped = framework.map(s.record.controls);
          await body.write(`${observations === 0 ? '' : ',\n'}${pad(5)}${valueText(observationOf(s, mapped, framework.id !== 'soc2'), 5)}`);
          observations++;
          failures.add(s);
          const t = Date.parse(s.record.observedAt);
          if (t > newest) [newest, lastModified] = [t, s.record.observedAt];
          const related = valueText({ 'observation-uuid': observationUuid(s.record) }, 7);
          for (const id of mapped.ids) {
            const target = targets.get(id);
            // Coverage was computed from the same store a moment ago; a control it did not see came with a record written since.
            if (!target) continue;
            target.file ??= await TextFile.open(target.path);
            await target.file.write(`${target.related === 0 ? '' : ',\n'}${pad(7)}${related}`);
            target.related++;
          }
        }
      }
    } finally {
      await body.close();
      for (const t of targets.values()) await t.file?.close();
    }

    const docPath = join(work, 'document.json');
    const doc = await TextFile.open(docPath);
    const summary: ExportSummary = { observations, findings: [] };
    try {
      const copy = async (path: string) => {
        // A loop, not pipeline(): that leaves listeners on the output for every file copied into it.
        for await (const chunk of createReadStream(path)) if (!doc.writable.write(chunk)) await once(doc.writable, 'drain');
      };
      await doc.write(`{\n${pad(1)}"assessment-results": {\n`);
      await doc.write(`${membersText({ uuid: documentUuid(q), metadata: metadata(q, lastModified), 'import-ap': importAp(q) }, 2)},\n`);
      await doc.write(`${pad(2)}"results": [\n${pad(3)}{\n${membersText(resultHead(q, controls), 4)}`);
      if (observations > 0) {
        await doc.write(`,\n${pad(4)}"observations": [\n`);
        await copy(bodyPath);
        await doc.write(`\n${pad(4)}]`);
      }
      if (controls.length > 0) {
        await doc.write(`,\n${pad(4)}"findings": [\n`);
        for (const [i, id] of controls.entries()) {
          const t = targets.get(id)!;
          const { head, state } = findingHead(q, t.coverage, failures.open(t.coverage.soc2Controls));
          summary.findings.push({ control: id, state });
          await doc.write(`${pad(5)}{\n${membersText(head, 6)}`);
          if (t.related > 0) {
            await doc.write(`,\n${pad(6)}"related-observations": [\n`);
            await copy(t.path);
            await doc.write(`\n${pad(6)}]`);
          }
          await doc.write(`\n${pad(5)}}${i === controls.length - 1 ? '' : ','}\n`);
        }
        await doc.write(`${pad(4)}]`);
      }
      await doc.write(
        `,\n${pad(4)}"remarks": ${JSON.stringify(
          resultRemarks(
            q,
            coverage.unmapped.controls.map((u) => u.control),
          ),
        )}\n${pad(3)}}\n${pad(2)}],\n`,
      );
      await doc.write(`${membersText({ 'back-matter': backMatter(q) }, 2)}\n${pad(1)}}\n}\n`);
    } finally {
      await doc.close();
    }
    await publishFile(docPath, out);
    return summary;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
