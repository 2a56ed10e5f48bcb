import { html, raw } from '../../src/audit/report/html.js';
import type { ReportPlugin } from '../../src/audit/report/plugin.js';
import { barChart } from '../../src/audit/svg/index.js';
import type { EvidenceRecord, RecordStatus } from '../../src/record/types.js';

interface ModelSummary {
  latest: { status: RecordStatus; summary: string; observedAt: string };
  runs: Record<RecordStatus, number>;
}

/** Per model: its signature checks in the window and the newest result. */
export const modelSignaturesReport: ReportPlugin = {
  type: 'model-signatures',
  title: 'Model signatures',
  create() {
    const models = new Map<string, ModelSummary>();
    return {
      add(record: EvidenceRecord) {
        const seen = { status: record.status, summary: record.summary, observedAt: record.observedAt };
        const m = models.get(record.subject.id) ?? { latest: seen, runs: { pass: 0, fail: 0, error: 0, info: 0 } };
        m.runs[record.status]++;
        // Several agents may check one model: the newest check wins, whichever stream it came from.
        if (record.observedAt >= m.latest.observedAt) m.latest = seen;
        models.set(record.subject.id, m);
      },
      render() {
        if (models.size === 0) return null;
        const names = [...models.keys()].sort();
        const chart = barChart(
          names.map((name) => {
            const r = models.get(name)!.runs;
            return { label: name, value: r.pass, note: `${r.fail} failed, ${r.error} errors` };
          }),
          {
            title: 'Signature checks that passed, per model',
            unit: 'passed',
            total: names.reduce((n, k) => n + Object.values(models.get(k)!.runs).reduce((a, b) => a + b, 0), 0),
          },
        );
        const rows = names.map((name) => {
          const m = models.get(name)!;
          return html`<tr><td>${name}</td><td><span class="status-${m.latest.status}">${m.latest.status}</span></td><td>${m.latest.summary}</td><td>${m.latest.observedAt}</td>
<td class="num">${m.runs.pass}</td><td class="num">${m.runs.fail}</td><td class="num">${m.runs.error}</td></tr>`;
        });
        return html`${raw(chart)}<table><thead><tr><th>Model</th><th>Newest result</th><th>Summary</th><th>Checked</th><th>Pass</th><th>Fail</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table>`;
      },
    };
  },
};
