import type { EvidenceRecord, Finding, RecordStatus, Subject } from '../../record/types.js';
import type { EvidenceStore } from '../../store/types.js';
import { type StreamResult, streamResults } from '../coverage.js';
import type { AuditWindow, ScannedRecord, StreamScan } from '../scan.js';
import { dayIndex, STATUS_RANK, windowDays } from './days.js';
import type { ReportAccumulator, ReportPlugin } from './plugin.js';

/** Findings kept of a subject's newest record: enough to act on; the count says how many more the record holds. */
const FINDINGS_KEPT = 25;

/** The newest record of one subject of one stream in the window, without its data. */
export interface SubjectState {
  stream: string;
  subject: Subject;
  collectorType: string;
  key: string;
  observedAt: string;
  status: RecordStatus;
  summary: string;
  controls: string[];
  findings: Finding[];
  findingsTotal: number;
}

/** The last record of a stream in the window: the head an auditor checks against a checkpoint. */
export interface StreamHead {
  stream: string;
  agent: string;
  collectorType: string;
  key: string;
  seq: number;
  hash: string;
  observedAt: string;
}

/** What one pass over the window leaves: coverage per stream and summaries, none of it growing with the records. */
export interface WindowSummary {
  days: string[];
  results: StreamResult[];
  /** Per control id as records state it, a status rank per day of the window (0: no record that day). */
  statusByDay: Map<string, Uint8Array>;
  subjects: SubjectState[];
  heads: StreamHead[];
  /** The family sections' accumulators, by collector type, for the types present in the window. */
  families: Map<string, { plugin: ReportPlugin; accumulator: ReportAccumulator; problem?: string }>;
}

function isNotice(record: EvidenceRecord): boolean {
  return record.subject.kind === 'collector';
}

/** Reads the store once over the window: coverage (src/audit/coverage.ts) and, in the same pass, the report's summaries. */
export async function summarise(store: EvidenceStore, window: AuditWindow, plugins: readonly ReportPlugin[]): Promise<WindowSummary> {
  const days = windowDays(window);
  const statusByDay = new Map<string, Uint8Array>();
  const subjects = new Map<string, SubjectState>();
  const heads = new Map<string, StreamHead>();
  const byType = new Map(plugins.map((p) => [p.type, p]));
  const families: WindowSummary['families'] = new Map();

  const observe = ({ key, record }: ScannedRecord, scan: StreamScan): void => {
    heads.set(scan.stream, {
      stream: scan.stream,
      agent: scan.agent,
      collectorType: record.collector.type,
      key,
      seq: record.seq,
      hash: record.hash,
      observedAt: record.observedAt,
    });
    const day = dayIndex(window, days.length, Date.parse(record.observedAt));
    for (const control of record.controls) {
      let ranks = statusByDay.get(control);
      if (!ranks) {
        ranks = new Uint8Array(days.length);
        statusByDay.set(control, ranks);
      }
      if (day >= 0) ranks[day] = Math.max(ranks[day]!, STATUS_RANK[record.status]);
    }
    if (isNotice(record)) return;
    // Records of a stream come in seq order, so the last one seen of a subject is its newest.
    subjects.set(`${scan.stream}\u0000${record.subject.id}`, {
      stream: scan.stream,
      subject: record.subject,
      collectorType: record.collector.type,
      key,
      observedAt: record.observedAt,
      status: record.status,
      summary: record.summary,
      controls: record.controls,
      findings: record.findings.slice(0, FINDINGS_KEPT),
      findingsTotal: record.findings.length,
    });
    feedFamily(record);
  };

  const feedFamily = (record: EvidenceRecord): void => {
    let family = families.get(record.collector.type);
    if (!family) {
      const plugin = byType.get(record.collector.type);
      if (!plugin) return;
      family = { plugin, accumulator: plugin.create() };
      families.set(record.collector.type, family);
    }
    if (family.problem !== undefined) return;
    try {
      family.accumulator.add(record);
    } catch (err) {
      // A record the family cannot summarise (another version, or hostile) costs its section, not the report.
      family.problem = `record ${record.stream}#${record.seq} could not be summarised: ${(err as Error).message}`;
    }
  };

  const results = await streamResults(store, window, observe);
  return {
    days,
    results,
    statusByDay,
    subjects: [...subjects.values()],
    heads: [...heads.values()].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0)),
    families,
  };
}
