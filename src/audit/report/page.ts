import type { Finding, Severity } from '../../record/types.js';
import { type Cadence, cadenceKey } from '../cadence.js';
import type { ControlCoverage, StreamCoverage, UnmappedControl } from '../coverage.js';
import type { Framework } from '../frameworks.js';
import type { AuditWindow } from '../scan.js';
import { coverageStrip, statusStrip } from '../svg/index.js';
import { coverageDays, statusDays } from './days.js';
import { type Html, html, raw } from './html.js';
import { PAGE_STYLE } from './style.js';
import type { StreamHead, SubjectState } from './summary.js';

export interface CheckpointLine {
  seq: number;
  createdAt: string;
  key: string;
  payloadSha256: string;
}

/** What the header says of each agent's checkpoints: its newest, or why it could not be read. */
export interface AgentCheckpoints {
  agent: string;
  newest: CheckpointLine | null;
  problem?: string;
}

/** A control in the framework's ids (its coverage says which SOC 2 ids of the records map to it), with its status and open findings. */
export interface ControlView {
  coverage: ControlCoverage;
  statusRanks: Uint8Array;
  open: SubjectState[];
}

export interface PageInput {
  store: string;
  window: AuditWindow;
  framework: Framework;
  generatedAt: string;
  agentVersion: string;
  days: string[];
  controls: ControlView[];
  /** Ids records state that the framework maps to nothing (only under a crosswalk). */
  unmapped: UnmappedControl[];
  /** The framework's controls no stream of the window evidences. */
  unevidenced: string[];
  streams: StreamCoverage[];
  heads: (StreamHead & { signedBy: CheckpointLine | null })[];
  checkpoints: AgentCheckpoints[];
  families: { title: string; body: Html | null; problem?: string }[];
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

function cadenceText(c: Cadence | null): string {
  return c === null ? 'unknown (no cadence stated, too few runs to infer one)' : cadenceKey(c);
}

function short(hash: string): string {
  return hash.length > 23 ? `${hash.slice(0, 23)}…` : hash;
}

function openCount(c: ControlView): number {
  return c.open.reduce((n, s) => n + s.findingsTotal, 0);
}

function header(p: PageInput): Html {
  return html`<header><h1>Evidence report</h1>
<dl class="facts">
<dt>Store</dt><dd><code>${p.store}</code></dd>
<dt>Window</dt><dd>${p.window.from.toISOString()} to ${p.window.to.toISOString()} (inclusive, ${p.days.length} UTC days)</dd>
<dt>Framework</dt><dd>${p.framework.name} (<code>${p.framework.id}</code>). ${p.framework.status}</dd>
<dt>Generated</dt><dd>${p.generatedAt} by evidence-agent ${p.agentVersion}</dd>
</dl></header>`;
}

function summaryTable(p: PageInput): Html {
  const rows = p.controls.map(
    (c, i) => html`<tr><td><a href="#control-${i}">${c.coverage.control}</a></td><td>${c.coverage.title ?? 'not in the catalog'}</td>
<td class="num">${c.coverage.percent.toFixed(1)}%</td><td class="num">${c.coverage.gaps}</td><td class="num">${c.coverage.explained}</td>
<td class="num">${c.coverage.attempted}</td><td class="num">${c.coverage.periods}</td><td class="num">${openCount(c)}</td></tr>`,
  );
  return html`<section><h2>Controls</h2>
<table><thead><tr><th>Control</th><th>Title</th><th>Coverage</th><th>Unexplained gaps</th><th>Explained</th><th>Errors only</th><th>Periods</th><th>Open findings</th></tr></thead>
<tbody>${rows}</tbody></table>
${p.controls.length === 0 ? html`<p class="warn">No record of the window names a control of this framework.</p>` : null}</section>`;
}

function checkpointText(c: CheckpointLine | null): Html {
  return c === null
    ? html`<span class="warn">not covered by a checkpoint yet</span>`
    : html`#${c.seq}, ${c.createdAt}, payload sha256 <code>${short(c.payloadSha256)}</code>`;
}

function chainSection(p: PageInput): Html {
  const heads = p.heads.map(
    (h) => html`<tr><td><code>${h.stream}</code></td><td>${h.collectorType}</td><td class="num">${h.seq}</td><td>${h.observedAt}</td>
<td><code title="${h.hash}">${short(h.hash)}</code></td><td>${checkpointText(h.signedBy)}</td></tr>`,
  );
  const agents = p.checkpoints.map(
    (a) =>
      html`<tr><td><code>${a.agent}</code></td>${
        a.newest === null
          ? html`<td colspan="3">${a.problem ?? 'no checkpoint'}</td>`
          : html`<td class="num">${a.newest.seq}</td><td>${a.newest.createdAt}</td><td><code>${a.newest.payloadSha256}</code></td>`
      }</tr>`,
  );
  const from = p.window.from.toISOString();
  const to = p.window.to.toISOString();
  return html`<section><h2>Chain heads and checkpoints</h2>
<p>The last record of each stream in the window, and the oldest checkpoint that signs it.</p>
<table><thead><tr><th>Stream</th><th>Collector</th><th>Seq</th><th>Observed</th><th>Hash</th><th>Signed by checkpoint</th></tr></thead><tbody>${heads}</tbody></table>
<p>The newest checkpoint of each agent:</p>
<table><thead><tr><th>Agent</th><th>Seq</th><th>Created</th><th>Payload SHA-256</th></tr></thead><tbody>${agents}</tbody></table>
<h3>How to re-verify</h3>
<p>This page summarises; it proves nothing by itself. Re-check the records, chains and checkpoints with the vendor's checkpoint public key, obtained out of band:</p>
<pre>npx evidence-agent verify --store ${p.store} --from ${from} --to ${to} --trusted-key &lt;checkpoint public key&gt;</pre>
<p>or by hand, with nothing from this project but the record format: <code>evidence-schema/README.md</code> in the evidence-agent package describes the records, hashes, chains and signed checkpoints, and how to check each. The payload hashes above are what the checkpoints' DSSE payloads must hash to.</p></section>`;
}

function findingsTable(open: SubjectState[]): Html {
  if (open.length === 0) return html`<p>No open findings.</p>`;
  // The most severe first, whichever subject they belong to; ties keep the subjects' order.
  const findings = open
    .flatMap((s) => s.findings.map((f) => ({ s, f })))
    .sort((a: { f: Finding }, b: { f: Finding }) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity]);
  const rows = findings.map(
    ({ s, f }) => html`<tr><td><span class="sev sev-${f.severity}">${f.severity}</span></td><td><code>${f.code}</code></td><td>${f.message}</td>
<td>${f.ref ?? ''}</td><td>${s.subject.kind}: ${s.subject.id}<br><code>${s.stream}</code>, ${s.observedAt}</td></tr>`,
  );
  const more = open
    .filter((s) => s.findingsTotal > s.findings.length)
    .map((s) => html`<tr><td colspan="5">… and ${s.findingsTotal - s.findings.length} more findings in <code>${s.key}</code></td></tr>`);
  return html`<table><thead><tr><th>Severity</th><th>Code</th><th>Finding</th><th>Reference</th><th>Subject (newest record)</th></tr></thead><tbody>${rows}${more}</tbody></table>`;
}

function controlSection(p: PageInput, c: ControlView, i: number): Html {
  const cov = c.coverage;
  const strip =
    cov.cadence === null
      ? html`<p class="warn">No cadence: the records state none and there were too few runs to infer one, so coverage cannot be judged.</p>`
      : raw(coverageStrip(coverageDays(cov, p.days), { title: `${cov.control} coverage by day` }));
  const missing = cov.missing.map(
    (m) =>
      html`<li><span class="state-${m.state}">${m.state === 'gap' ? 'unexplained gap' : m.state === 'explained' ? 'explained gap' : 'errors only'}</span>: ${m.from} to ${m.to} (${m.periods} period${m.periods === 1 ? '' : 's'})</li>`,
  );
  const id = cov.control;
  return html`<section class="control" id="control-${i}"><h2>${id}${cov.title === null ? '' : html` — ${cov.title}`}</h2>
<p>${p.framework.id === 'soc2' ? '' : html`From SOC 2 ${cov.soc2Controls.join(', ')} (this project's own crosswalk). `}Streams: ${cov.streams.map((s, k) => html`${k > 0 ? ', ' : ''}<code>${s}</code>`)}.
Grid: ${cadenceText(cov.cadence)}; ${cov.records} records (${cov.statuses.pass} pass, ${cov.statuses.fail} fail, ${cov.statuses.error} error, ${cov.statuses.info} info);
coverage ${cov.percent.toFixed(1)}% (${cov.evidenced} of ${cov.periods} periods evidenced)${cov.rangesCovered === false ? html`; <span class="warn">chained ranges have holes</span>` : ''}.</p>
<h3>Coverage by day</h3>${strip}
${missing.length > 0 ? html`<details><summary>${missing.length} runs of periods without evidence</summary><ul>${missing}</ul></details>` : null}
<h3>Status by day</h3>${raw(statusStrip(statusDays(c.statusRanks, p.days), { title: `${id} worst record status by day` }))}
<h3>Open findings</h3>${findingsTable(c.open)}</section>`;
}

function streamsSection(p: PageInput): Html {
  const rows = p.streams.map(
    (s) => html`<tr><td><code>${s.stream}</code></td><td>${s.controls.join(', ')}</td><td>${s.segments.map((g) => cadenceText(g.cadence)).join(' then ')}</td>
<td class="num">${s.records}</td><td class="num">${s.statuses.pass}</td><td class="num">${s.statuses.fail}</td><td class="num">${s.statuses.error}</td><td class="num">${s.statuses.info}</td>
<td class="num">${s.percent.toFixed(1)}%</td><td>${s.ranges === undefined ? '' : s.ranges.every((r) => r.covered) ? 'whole' : html`<span class="warn">holes or open ends</span>`}</td></tr>`,
  );
  return html`<section><h2>Streams</h2><table><thead><tr><th>Stream</th><th>Controls (as recorded)</th><th>Cadence</th><th>Records</th><th>Pass</th><th>Fail</th><th>Error</th><th>Info</th><th>Coverage</th><th>Ranges</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function otherSections(p: PageInput): Html {
  const unmapped =
    p.unmapped.length === 0
      ? null
      : html`<section><h2>Ids this framework does not map</h2><p>Records of the window state these ids, which ${p.framework.name} maps to nothing in this project's crosswalk; their evidence is not counted above.</p>
<ul>${p.unmapped.map((u) => html`<li><code>${u.control}</code>${u.title === null ? '' : ` (${u.title})`}: ${u.records} records in ${u.streams.map((s, k) => html`${k > 0 ? ', ' : ''}<code>${s}</code>`)}</li>`)}</ul></section>`;
  const unevidenced =
    p.unevidenced.length === 0
      ? null
      : html`<section><h2>Controls without evidence here</h2><details><summary>${p.unevidenced.length} controls of ${p.framework.name} that no stream of this store evidences in the window</summary><p>${p.unevidenced.join(', ')}</p></details></section>`;
  return html`${unmapped}${unevidenced}`;
}

const DEFINITIONS = html`<section><h2>Definitions</h2><dl class="defs">
<dt>Period</dt><dd>For a cron schedule, from one fire time to the next; for a stated frequency, the calendar hour, day, ISO week, month, quarter or year in UTC, clipped to the window. A control is judged on the coarsest cadence of its streams.</dd>
<dt>Evidenced</dt><dd>A pass, fail or info record of the collector (not an agent notice) was observed in the period.</dd>
<dt>Errors only</dt><dd>The collector ran but could not collect: only error records in the period.</dd>
<dt>Explained gap</dt><dd>No record, but the agent's run-skipped or missed-runs notice covers the period.</dd>
<dt>Unexplained gap</dt><dd>None of the above.</dd>
<dt>Coverage by day</dt><dd>A day shows the worst state of the periods touching it; "part of the day" when a shorter period was missed.</dd>
<dt>Status by day</dt><dd>The worst status of the control's records that day (fail, then error, then pass, then info), agent notices included.</dd>
<dt>Open finding</dt><dd>A finding of the newest record in the window of a subject (per stream) when that record's status is fail. A subject whose newest record passes has no open findings, whatever earlier records said.</dd>
</dl></section>`;

/** The whole report: one HTML file, styles inline, no script, nothing fetched (the CSP forbids it as well). */
export function renderPage(p: PageInput): string {
  const families = p.families.map(
    (f) =>
      html`<section class="family"><h2>${f.title}</h2>${f.problem === undefined ? null : html`<p class="warn">${f.problem}</p>`}${f.body ?? (f.problem === undefined ? html`<p>Nothing to show.</p>` : null)}</section>`,
  );
  const body = html`${header(p)}<main>${summaryTable(p)}${chainSection(p)}${p.controls.map((c, i) => controlSection(p, c, i))}${families}${streamsSection(p)}${otherSections(p)}${DEFINITIONS}</main>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html`Evidence report: ${p.store}, ${p.window.from.toISOString().slice(0, 10)} to ${p.window.to.toISOString().slice(0, 10)}`}</title>
<style>${PAGE_STYLE}</style></head>
<body>${body}</body></html>
`;
}
