import { amount, Capped, obj } from '../../src/audit/report/fields.js';
import { html, raw } from '../../src/audit/report/html.js';
import type { ReportPlugin } from '../../src/audit/report/plugin.js';
import { barChart } from '../../src/audit/svg/index.js';
import type { EvidenceRecord } from '../../src/record/types.js';

const CLASSES = ['agent', 'assisted', 'bot', 'human'] as const;
/** Unreviewed agent changes listed per repository; the count covers the rest. */
const LISTED = 50;

interface RepoSummary {
  counts: Record<(typeof CLASSES)[number], number>;
  unreviewed: Capped<{ commit: string; message: string; observedAt: string }>;
}

/**
 * Per repository: who wrote the commits that reached the branch in the window (the records' ranges chain, so their
 * counts add up), and the agent commits that landed with no human reviewer (the agent-commit-unreviewed findings).
 */
export const commitTrailReport: ReportPlugin = {
  type: 'commit-trail',
  title: 'Commits: agents and humans',
  create() {
    const repos = new Map<string, RepoSummary>();
    return {
      add(record: EvidenceRecord) {
        const repo = repos.get(record.subject.id) ?? { counts: { agent: 0, assisted: 0, bot: 0, human: 0 }, unreviewed: new Capped(LISTED) };
        repos.set(record.subject.id, repo);
        const counts = obj(record.data.counts);
        for (const c of CLASSES) repo.counts[c] += amount(counts?.[c]) ?? 0;
        for (const f of record.findings) {
          if (f.code === 'agent-commit-unreviewed' || f.code === 'assisted-commit-unreviewed')
            repo.unreviewed.push({ commit: f.ref ?? '', message: f.message, observedAt: record.observedAt });
        }
      },
      render() {
        if (repos.size === 0) return null;
        return html`${[...repos.keys()].sort().map((name) => {
          const r = repos.get(name)!;
          const total = CLASSES.reduce((n, c) => n + r.counts[c], 0);
          const chart = barChart(
            CLASSES.map((c) => ({ label: c, value: r.counts[c] })),
            { title: `Commits that reached ${name}, by author class`, unit: 'commits' },
          );
          const rows = r.unreviewed.items.map((u) => html`<tr><td><code>${u.commit}</code></td><td>${u.message}</td><td>${u.observedAt}</td></tr>`);
          return html`<h3>${name}</h3><p>${total} commits in the window; ${r.unreviewed.total} agent-involved changes (made by an agent, or declared AI-assisted) reached it with no human reviewer.</p>${raw(chart)}
${rows.length === 0 ? null : html`<table><thead><tr><th>Unreviewed agent-involved commit</th><th>Finding</th><th>Recorded</th></tr></thead><tbody>${rows}</tbody></table>`}
${r.unreviewed.omitted > 0 ? html`<p>… and ${r.unreviewed.omitted} more (see the records' findings).</p>` : null}`;
        })}`;
      },
    };
  },
};
