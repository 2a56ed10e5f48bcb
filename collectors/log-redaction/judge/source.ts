import type { Finding, RecordDraft, RecordStatus } from '../../../src/collector/contract.js';
import type { ScanResult } from '../observe/scan/types.js';
import type { LogRedactionPayload, LogSource } from '../schema.js';
import type { ConfigAnalysis } from './verdict.js';

/** Hits listed in a record; the rest are counted. */
export const HITS_LISTED = 20;

export interface SourceObservation {
  source: Pick<LogSource, 'name' | 'kind'>;
  /** The config as read: where it is; null when the source has none. */
  config: { location: string } | null;
  analysis: ConfigAnalysis | null;
  scan: ScanResult | null;
  sampleLines: number;
  keyOrigin: LogRedactionPayload['hmacKey'];
}

/** Kinds of match grouped by what they reveal: the finding code. */
function leakCode(kind: string): { code: string; severity: Finding['severity'] } {
  if (kind === 'prompt-field') return { code: 'prompt-logged', severity: 'high' };
  if (kind === 'email') return { code: 'personal-data-logged', severity: 'medium' };
  if (kind === 'card-number') return { code: 'personal-data-logged', severity: 'high' };
  if (kind.startsWith('pattern:')) return { code: 'pattern-logged', severity: 'high' };
  return { code: 'secret-logged', severity: 'high' };
}

/**
 * One source's record: `fail` when a pipeline passes prompts, anything leaked
 * into its logs, or the logs contradict a config that drops or redacts;
 * `info` when nothing failed but part of it could not be judged (an unknown
 * verdict, an unreadable log, nothing configured); else `pass`.
 */
export function judgeSource(o: SourceObservation): RecordDraft<LogRedactionPayload> {
  const findings: Finding[] = [];
  const verdicts = o.analysis?.pipelines ?? [];
  const where = (lines: number[]) => (o.config ? `${o.config.location}${lines.length > 0 ? `:${lines.join(',')}` : ''}` : undefined);
  for (const v of verdicts) {
    const ref = where(v.lines);
    if (v.verdict === 'passes-prompts')
      findings.push({ code: 'passes-prompts', severity: 'high', message: `${v.pipeline}: ${v.reason}.`, ...(ref ? { ref } : {}) });
    if (v.verdict === 'unknown') findings.push({ code: 'config-unknown', severity: 'medium', message: `${v.pipeline}: ${v.reason}.`, ...(ref ? { ref } : {}) });
  }
  const counts = Object.entries(o.scan?.counts ?? {}).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  for (const [kind, count] of counts) {
    const first = o.scan!.hits.find((h) => h.kind === kind);
    const { code, severity } = leakCode(kind);
    const at = first ? `; first at ${first.location}:${first.line}${first.field ? ` (field ${first.field})` : ''}, HMAC-SHA-256 ${first.hmac}` : '';
    findings.push({
      code,
      severity,
      message: `${count} ${kind} match${count === 1 ? '' : 'es'} in the logs${at}.`,
      ...(first ? { ref: `${first.location}:${first.line}` } : {}),
    });
  }
  const prompts = o.scan?.counts['prompt-field'] ?? 0;
  const controlled = verdicts.filter((v) => v.verdict === 'drops' || v.verdict === 'redacts');
  if (prompts > 0 && controlled.length > 0 && !verdicts.some((v) => v.verdict === 'passes-prompts')) {
    const ref = where([...new Set(controlled.flatMap((v) => v.lines))].sort((a, b) => a - b));
    findings.push({
      code: 'config-behaviour-mismatch',
      severity: 'high',
      message: `The config drops or redacts prompts (${controlled.map((v) => `${v.pipeline}: ${v.verdict}`).join('; ')}), but ${prompts} log line${prompts === 1 ? ' holds a prompt field' : 's hold prompt fields'}: some log path is not covered.`,
      ...(ref ? { ref } : {}),
    });
  }
  for (const u of o.scan?.unreadable ?? [])
    findings.push({ code: 'log-unreadable', severity: 'medium', message: `${u.location}: ${u.reason}.`, ref: u.location });
  if (!o.analysis && !o.scan)
    findings.push({ code: 'nothing-to-check', severity: 'medium', message: `Source ${o.source.name} names no config, args or logs: add them.` });
  if (o.scan && o.scan.locations === 0 && o.scan.unreadable.length === 0) {
    findings.push({ code: 'no-logs-found', severity: 'medium', message: `No log file or object matched the logs of source ${o.source.name}.` });
  }

  const failing = new Set(['passes-prompts', 'prompt-logged', 'personal-data-logged', 'secret-logged', 'pattern-logged', 'config-behaviour-mismatch']);
  const status: RecordStatus = findings.some((f) => failing.has(f.code)) ? 'fail' : findings.length > 0 ? 'info' : 'pass';
  const tally = (['drops', 'redacts', 'passes-prompts', 'unknown'] as const)
    .map((v) => [v, verdicts.filter((p) => p.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`);
  const leaks = counts.reduce((n, [, c]) => n + c, 0);
  const parts = [
    o.analysis ? `config: ${tally.join(', ') || 'no pipelines'}` : null,
    o.scan ? `logs: ${o.scan.linesScanned} lines scanned${o.scan.sampled ? ' (sampled)' : ''}, ${leaks} match${leaks === 1 ? '' : 'es'}` : null,
  ].filter((p) => p !== null);
  return {
    subject: { kind: 'log-pipeline', id: o.source.name },
    status,
    summary: `${o.source.name} (${o.source.kind}): ${parts.join('; ') || 'nothing configured to check'}.`,
    findings,
    data: {
      source: o.source.name,
      kind: o.source.kind,
      config: o.config ? { location: o.config.location, sha256: o.analysis?.configSha256 ?? null, problem: o.analysis?.problem ?? null } : null,
      verdicts: verdicts.map((v) => ({ pipeline: v.pipeline, verdict: v.verdict, reason: v.reason, lines: v.lines })),
      logs: o.scan
        ? {
            locations: o.scan.locations,
            linesScanned: o.scan.linesScanned,
            bytesScanned: o.scan.bytesScanned,
            sampled: o.scan.sampled,
            sampleLines: o.sampleLines,
            unreadable: o.scan.unreadable,
          }
        : null,
      findingsByKind: Object.fromEntries(counts),
      hits: (o.scan?.hits ?? [])
        .slice(0, HITS_LISTED)
        .map((h) => ({ location: h.location, line: h.line, kind: h.kind, ...(h.field ? { field: h.field } : {}), hmac: h.hmac })),
      hitsOmitted: o.scan ? o.scan.hitsOmitted + Math.max(0, o.scan.hits.length - HITS_LISTED) : 0,
      hmacKey: o.scan ? o.keyOrigin : null,
    },
  };
}
