import { AGENT_VERSION } from '../../package-root.js';
import type { EvidenceStore } from '../../store/types.js';
import { CheckpointIndex, type IndexedCheckpoint } from '../checkpoint-index.js';
import { combineControls, unmappedRecords } from '../coverage.js';
import type { Framework } from '../frameworks.js';
import type { AuditWindow } from '../scan.js';
import { type AgentCheckpoints, type CheckpointLine, type ControlView, renderPage } from './page.js';
import type { ReportPlugin } from './plugin.js';
import { summarise, type WindowSummary } from './summary.js';

function line(c: IndexedCheckpoint | null): CheckpointLine | null {
  return c === null ? null : { seq: c.checkpoint.seq, createdAt: c.checkpoint.createdAt, key: c.ref.key, payloadSha256: c.ref.payloadSha256 };
}

/** The newest checkpoint of each agent and, per stream head, the oldest that signs it; a checkpoint that cannot be read is said, not fatal. */
async function checkpoints(store: EvidenceStore, summary: WindowSummary) {
  const index = new CheckpointIndex(store);
  const agents: AgentCheckpoints[] = [];
  for (const agent of [...new Set(summary.heads.map((h) => h.agent))]) {
    try {
      agents.push({ agent, newest: line(await index.newest(agent)) });
    } catch (err) {
      agents.push({ agent, newest: null, problem: (err as Error).message });
    }
  }
  const heads = [];
  for (const h of summary.heads) {
    const signedBy = await index.oldestCovering(h.agent, h.stream, h.seq).then(line, () => null);
    heads.push({ ...h, signedBy });
  }
  return { agents, heads };
}

/** The framework's view of the window: controls in its ids, as coverage combines them, with their status and open findings. */
function controlViews(summary: WindowSummary, window: AuditWindow, framework: Framework) {
  const controls: ControlView[] = combineControls(summary.results, window, undefined, { framework }).map((coverage) => {
    const statusRanks = new Uint8Array(summary.days.length);
    for (const s of coverage.soc2Controls) {
      const ranks = summary.statusByDay.get(s);
      if (ranks) for (let i = 0; i < ranks.length; i++) statusRanks[i] = Math.max(statusRanks[i]!, ranks[i]!);
    }
    const open = summary.subjects.filter((s) => s.status === 'fail' && framework.map(s.controls).ids.includes(coverage.control));
    return { coverage, statusRanks, open };
  });
  const evidenced = new Set(controls.filter((c) => c.coverage.records > 0).map((c) => c.coverage.control));
  const unevidenced = framework.controls.map((c) => c.id).filter((id) => !evidenced.has(id));
  return { controls, unmapped: unmappedRecords(summary.results, framework).controls, unevidenced };
}

/**
 * The HTML report of a store over a window, in one pass over the records (coverage and every summary at once).
 * `plugins` give the collector families' sections; records of other types get the generic sections only.
 */
export async function buildReport(store: EvidenceStore, window: AuditWindow, framework: Framework, plugins: readonly ReportPlugin[]): Promise<string> {
  const summary = await summarise(store, window, plugins);
  const { agents, heads } = await checkpoints(store, summary);
  const families = [...summary.families.values()]
    .sort((a, b) => (a.plugin.title < b.plugin.title ? -1 : a.plugin.title > b.plugin.title ? 1 : 0))
    .map((f) => {
      if (f.problem !== undefined) return { title: f.plugin.title, body: null, problem: f.problem };
      try {
        return { title: f.plugin.title, body: f.accumulator.render() };
      } catch (err) {
        return { title: f.plugin.title, body: null, problem: `could not be rendered: ${(err as Error).message}` };
      }
    });
  return renderPage({
    store: store.url,
    window,
    framework,
    generatedAt: new Date().toISOString(),
    agentVersion: AGENT_VERSION,
    days: summary.days,
    ...controlViews(summary, window, framework),
    streams: summary.results.map((r) => r.coverage),
    heads,
    checkpoints: agents,
    families,
  });
}
