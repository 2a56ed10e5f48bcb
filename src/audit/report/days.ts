import type { RecordStatus } from '../../record/types.js';
import type { ControlCoverage, PeriodState } from '../coverage.js';
import type { AuditWindow } from '../scan.js';
import type { CoverageDay, DayState, PeriodStatus, StatusPeriod } from '../svg/index.js';

const DAY_MS = 86_400_000;

/** The UTC days the window touches, as `YYYY-MM-DD`. */
export function windowDays(window: AuditWindow): string[] {
  const days: string[] = [];
  const last = Date.parse(`${window.to.toISOString().slice(0, 10)}T00:00:00Z`);
  for (let t = Date.parse(`${window.from.toISOString().slice(0, 10)}T00:00:00Z`); t <= last; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The index of `at`'s UTC day among windowDays(window), or -1 outside them. */
export function dayIndex(window: AuditWindow, days: number, at: number): number {
  const i = Math.floor((at - Date.parse(`${window.from.toISOString().slice(0, 10)}T00:00:00Z`)) / DAY_MS);
  return i >= 0 && i < days ? i : -1;
}

const WORSE: Record<Exclude<PeriodState, 'evidenced'>, number> = { gap: 3, attempted: 2, explained: 1 };
const LABEL: Record<Exclude<PeriodState, 'evidenced'>, string> = { gap: 'unexplained gap', attempted: 'errors only', explained: 'explained gap' };

/**
 * A control's coverage day by day, from its periods not evidenced: a day takes the worst state of the periods that
 * touch it (an unexplained gap, then errors only, then an explained gap), so an hour missing from an hourly control
 * marks its day; a day whose periods were all evidenced is evidenced. On a weekly grid each day shows its week.
 */
export function coverageDays(control: ControlCoverage, days: readonly string[]): CoverageDay[] {
  return days.map((day) => {
    const start = Date.parse(`${day}T00:00:00Z`);
    const end = start + DAY_MS - 1;
    let worst: Exclude<PeriodState, 'evidenced'> | undefined;
    let whole = false;
    for (const run of control.missing) {
      const from = Date.parse(run.from);
      const to = Date.parse(run.to);
      if (from > end || to < start) continue;
      if (!worst || WORSE[run.state] > WORSE[worst]) [worst, whole] = [run.state, from <= start && to >= end];
    }
    if (!worst) return { day, state: 'evidenced' as DayState };
    return whole ? { day, state: worst } : { day, state: worst, detail: `part of the day: ${LABEL[worst]}` };
  });
}

/** Status codes ordered so the larger is the one a day shows: a failure outweighs an error, which outweighs a pass. */
export const STATUS_RANK: Record<RecordStatus, number> = { info: 1, pass: 2, error: 3, fail: 4 };
const BY_RANK: PeriodStatus[] = ['none', 'info', 'pass', 'error', 'fail'];

/** The day-by-day status strip's periods from ranks kept per day (0: no record). */
export function statusDays(ranks: Uint8Array, days: readonly string[]): StatusPeriod[] {
  return days.map((day, i) => ({ period: day, status: BY_RANK[ranks[i]!]! }));
}
