import { type Cadence, cadenceKey } from '../audit/cadence.js';
import { type CoverageReport, coverageReport, type StreamCoverage, type Tally } from '../audit/coverage.js';
import type { Logger } from '../log.js';
import { withAuditStore } from './audit-store.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { FRAMEWORK_HELP, frameworkOption } from './framework.js';
import { formatTable } from './table.js';
import { parseWindow } from './window.js';

export interface CoverageCliOptions {
  store: string;
  from?: string;
  to?: string;
  control?: string;
  framework?: string;
  min?: string;
  json?: boolean;
}

export const COVERAGE_HELP = `
Definitions:
  period      for a cron schedule, from one fire time (in its time zone) to the next, for fires in the window;
              for hourly/daily/weekly/monthly/quarterly/annually, the calendar period in UTC (ISO weeks), clipped
              to the window. A stream whose records state no cadence gets one inferred from the median interval
              between its runs, shown as "(inferred)". A cadence that changes mid-window starts a new segment.
  evidenced   a pass, fail or info record of the collector (not an agent notice) was observed in the period
  attempted   only error records (the collector could not collect) in the period
  explained   no record, but a run-skipped notice's scheduledAt or a missed-runs notice's from..to falls in it
  gap         none of the above
  coverage    evidenced / periods. A control combines every stream of every agent that carries it, on the grid
              of its coarsest cadence: a period is evidenced when any of its streams has evidence in it. Under
              --framework, a control's streams are those stating any SOC 2 id that maps to it, combined the same
              way; SOC 2 ids that map to nothing there are listed as unmapped, with their records, and --min
              applies to the framework's controls.
  ranges      for collectors whose payload schema has x-evidence-range (commit-trail): whether each subject's
              chained ranges run from before the window's start to after its end without holes.
${FRAMEWORK_HELP}

Exit codes: 0 done, 2 usage (unknown --framework or --control), 3 a selected control is below --min, 4 a record
cannot be trusted (run verify).`;

function parseMin(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new CliError(`--min ${value}: expected a percentage from 0 to 100`, ExitCode.usage);
  return n;
}

function cadenceText(c: Cadence | null): string {
  return c === null ? 'unknown' : cadenceKey(c);
}

function counts(t: Tally): string[] {
  return [String(t.periods), String(t.evidenced), String(t.attempted), String(t.explained), String(t.gaps), `${t.percent.toFixed(1)}%`];
}

/** Which framework the ids are, and that the mapping (or, for SOC 2, the titles) is this project's own. */
function frameworkLines(report: CoverageReport): string[] {
  const f = report.framework;
  const lines = [
    f.id === 'soc2'
      ? `Controls: ${f.name} (ids as the records state them; titles are this project's own summaries, ${f.file}).`
      : `Controls: ${f.name}, read from the SOC 2 ids records state through this project's own mapping, not an official one (${f.file}).`,
  ];
  if (report.selected) {
    const from = report.selected.soc2Controls;
    lines.push(
      from.length === 0
        ? `--control ${report.selected.control}: no SOC 2 criterion maps to it, so no record can evidence it.`
        : `--control ${report.selected.control}: the records that state ${from.join(' or ')}.`,
    );
  }
  return lines;
}

function unmappedLines(report: CoverageReport): string[] {
  const { controls, records } = report.unmapped;
  if (controls.length === 0) return [];
  return [
    '',
    `SOC 2 ids that map to nothing in ${report.framework.name} (${records} record${records === 1 ? '' : 's'} state only such ids and count under none of its controls):`,
    ...controls.map((u) => `  ${u.control}${u.title ? ` (${u.title})` : ''}: ${u.records} record${u.records === 1 ? '' : 's'} in ${u.streams.join(' ')}`),
  ];
}

function render(report: CoverageReport, min: number | undefined): string {
  const lines = [`Coverage of ${report.store} from ${report.from} to ${report.to}`, ...frameworkLines(report), ''];
  const mapped = report.framework.id !== 'soc2';
  lines.push(
    formatTable(
      [
        'CONTROL',
        ...(mapped ? ['FROM SOC 2'] : []),
        'GRID',
        'PERIODS',
        'EVIDENCED',
        'ATTEMPTED',
        'EXPLAINED',
        'GAPS',
        'COVERAGE',
        'RANGES',
        'STREAMS',
        'TITLE',
      ],
      report.controls.map((c) => [
        c.control,
        ...(mapped ? [c.soc2Controls.join(' ') || '-'] : []),
        cadenceText(c.cadence),
        ...counts(c),
        c.rangesCovered === null ? '-' : c.rangesCovered ? 'whole' : 'HOLES',
        c.streams.join(' ') || '(none in the store)',
        c.title ?? '-',
      ]),
    ),
    '',
  );
  lines.push(
    formatTable(
      ['STREAM', 'CADENCE', 'RECORDS', 'PASS', 'FAIL', 'ERROR', 'INFO', 'PERIODS', 'EVIDENCED', 'ATTEMPTED', 'EXPLAINED', 'GAPS', 'COVERAGE'],
      report.streams.map((s) => [
        s.stream,
        s.segments.map((g) => cadenceText(g.cadence)).join(' then '),
        String(s.records),
        String(s.statuses.pass),
        String(s.statuses.fail),
        String(s.statuses.error),
        String(s.statuses.info),
        ...counts(s),
      ]),
    ),
  );
  for (const s of report.streams) lines.push(...missing(s), ...ranges(s));
  lines.push(...unmappedLines(report));
  if (min !== undefined) {
    const below = report.controls.filter((c) => c.percent < min);
    lines.push(
      '',
      below.length === 0
        ? `OK: every control is at or above ${min}%.`
        : `BELOW ${min}%: ${below.map((c) => `${c.control} (${c.percent.toFixed(1)}%)`).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function missing(s: StreamCoverage): string[] {
  if (s.missing.length === 0) return [];
  return [
    '',
    `${s.stream}: periods without evidence`,
    ...s.missing.map((m) => `  ${m.state.padEnd(9)}  ${m.from} .. ${m.to}  (${m.periods} period${m.periods === 1 ? '' : 's'})`),
  ];
}

function ranges(s: StreamCoverage): string[] {
  if (!s.ranges) return [];
  const out = ['', `${s.stream}: chained ranges`];
  for (const r of s.ranges) {
    const ends = `${r.fromStart ? 'from before the start' : 'START NOT SHOWN'}, ${r.toEnd ? 'to after the end' : 'END NOT SHOWN'}`;
    out.push(`  ${r.subject}: ${r.covered ? 'whole window' : 'NOT WHOLE'} (${ends}; ${r.holes.length} hole${r.holes.length === 1 ? '' : 's'})`);
    for (const h of r.holes)
      out.push(`    hole: ${h.after.key} ends at ${JSON.stringify(h.after.value)}, ${h.before.key} starts at ${JSON.stringify(h.before.value)}`);
  }
  return out;
}

/** Says, per control and stream, which periods of the window hold evidence. */
export async function coverage(opts: CoverageCliOptions, log: Logger): Promise<ExitCodeValue> {
  const window = parseWindow(opts.from, opts.to);
  const min = parseMin(opts.min);
  const framework = frameworkOption(opts.framework);
  return withAuditStore(opts.store, log, async (store) => {
    const report = await coverageReport(store, window, opts.control, { framework });
    const controls = report.controls;
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, min));
    return min !== undefined && controls.some((c) => c.percent < min) ? ExitCode.failOn : ExitCode.ok;
  });
}
