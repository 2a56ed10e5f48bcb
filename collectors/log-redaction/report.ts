import { arr, obj, str } from '../../src/audit/report/fields.js';
import { html } from '../../src/audit/report/html.js';
import type { ReportPlugin } from '../../src/audit/report/plugin.js';
import type { EvidenceRecord, RecordStatus } from '../../src/record/types.js';

/** Verdicts shown per source; a configuration has a handful of pipelines. */
const SHOWN = 30;

interface SourceState {
  kind: string;
  status: RecordStatus;
  observedAt: string;
  summary: string;
  verdicts: { pipeline: string; verdict: string; reason: string }[];
  runs: number;
  failing: number;
}

/** Per log source: the newest verdict on each pipeline (drops, redacts, passes prompts) and how many runs failed. */
export const logRedactionReport: ReportPlugin = {
  type: 'log-redaction',
  title: 'Log redaction',
  create() {
    const sources = new Map<string, SourceState>();
    return {
      add(record: EvidenceRecord) {
        const before = sources.get(record.subject.id);
        const runs = (before?.runs ?? 0) + 1;
        const failing = (before?.failing ?? 0) + (record.status === 'fail' ? 1 : 0);
        if (before && before.observedAt > record.observedAt) {
          sources.set(record.subject.id, { ...before, runs, failing });
          return;
        }
        const verdicts = arr(record.data.verdicts)
          .slice(0, SHOWN)
          .map((v) => ({ pipeline: str(obj(v)?.pipeline) ?? '?', verdict: str(obj(v)?.verdict) ?? '?', reason: str(obj(v)?.reason) ?? '' }));
        sources.set(record.subject.id, {
          kind: str(record.data.kind) ?? '',
          status: record.status,
          observedAt: record.observedAt,
          summary: record.summary,
          verdicts,
          runs,
          failing,
        });
      },
      render() {
        if (sources.size === 0) return null;
        const rows = [...sources.keys()].sort().flatMap((name) => {
          const s = sources.get(name)!;
          const head = html`<td rowspan="${Math.max(1, s.verdicts.length)}">${name} (${s.kind})<br><span class="status-${s.status}">${s.status}</span>, ${s.failing} of ${s.runs} runs failed<br>${s.summary}</td>`;
          if (s.verdicts.length === 0) return [html`<tr>${head}<td colspan="3">no verdict</td></tr>`];
          return s.verdicts.map(
            (v, i) =>
              html`<tr>${i === 0 ? head : null}<td>${v.pipeline}</td><td><strong class="${v.verdict === 'passes-prompts' ? 'warn' : ''}">${v.verdict}</strong></td><td>${v.reason}</td></tr>`,
          );
        });
        return html`<p>The newest verdict on each pipeline of each source in the window.</p><table><thead><tr><th>Source</th><th>Pipeline</th><th>Verdict</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`;
      },
    };
  },
};
