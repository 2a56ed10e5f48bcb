import { CronExpressionParser } from 'cron-parser';
import cron from 'node-cron';
import { CADENCE_EVERY, type CadenceEvery, type RecordCadence } from '../record/types.js';

/** A cadence as coverage reports it: stated by the records, or inferred from them when they state none. */
export type Cadence = RecordCadence | { every: CadenceEvery; inferred: true };

/**
 * The periods of a cadence: period i is [starts[i], starts[i + 1]), the last one ending at `end` (exclusive),
 * in milliseconds since the epoch. Kept as one typed array so that a year of minutes is 4 MB, not objects.
 */
export interface Periods {
  starts: Float64Array;
  end: number;
}

/** A cadence that cannot be laid over the window; the message names it and what to do. */
export class CadenceError extends Error {
  override name = 'CadenceError';
}

/** More periods than this in one window is a cadence finer than coverage is meant for (a schedule firing every second). */
const MAX_PERIODS = 2_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Nominal lengths, to compare cadences (a control's grid is its coarsest) and to infer one from intervals. */
const NOMINAL: Record<CadenceEvery, number> = {
  hourly: HOUR,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 30.44 * DAY,
  quarterly: 91.31 * DAY,
  annually: 365.25 * DAY,
};

export function cadenceKey(c: Cadence): string {
  return 'every' in c ? `every ${c.every}${'inferred' in c ? ' (inferred)' : ''}` : `${c.schedule} ${c.timezone}`;
}

/** The typical interval between periods of a cadence, in milliseconds (for a schedule, its median over the periods given). */
export function nominalLength(c: Cadence, periods: Periods): number {
  if ('every' in c) return NOMINAL[c.every];
  const n = periods.starts.length;
  if (n < 2) return periods.end - (periods.starts[0] ?? periods.end);
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = periods.starts[i]! - periods.starts[i - 1]!;
  gaps.sort();
  return gaps[(n - 1) >> 1]!;
}

/** The `every` class nearest (on a log scale) to a median interval between runs. */
export function inferCadence(medianIntervalMs: number): { every: CadenceEvery; inferred: true } {
  let best: CadenceEvery = 'hourly';
  for (const every of CADENCE_EVERY) {
    if (Math.abs(Math.log(medianIntervalMs / NOMINAL[every])) < Math.abs(Math.log(medianIntervalMs / NOMINAL[best]))) best = every;
  }
  return { every: best, inferred: true };
}

/**
 * The index of the `every` class an interval is nearest to; counting intervals per class gives the class of their
 * median without keeping the intervals, since the classes are ordered by length.
 */
export function intervalClass(ms: number): number {
  return CADENCE_EVERY.indexOf(inferCadence(ms).every);
}

export function classAt(index: number): CadenceEvery {
  return CADENCE_EVERY[index]!;
}

const cache = new Map<string, Periods>();

/**
 * The periods of a cadence over [from, end). For a schedule: from each fire time to the next, in its time zone;
 * with `leading`, also the part before the first fire (a cadence that starts mid-window, with the record that
 * stated it). For `every`: calendar hours, days, ISO weeks, months, quarters or years in UTC, clipped.
 */
export function periodsOf(c: Cadence, from: number, end: number, leading = false): Periods {
  const key = `${cadenceKey(c)}|${from}|${end}|${leading}`;
  let found = cache.get(key);
  if (!found) {
    found = 'every' in c ? calendarPeriods(c.every, from, end) : schedulePeriods(c.schedule, c.timezone, from, end, leading);
    // Streams of a fleet share cadences and windows; a few distinct ones are kept.
    if (cache.size > 64) cache.clear();
    cache.set(key, found);
  }
  return found;
}

function grow(starts: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n < starts.length) return starts;
  if (n >= MAX_PERIODS) throw new CadenceError(`more than ${MAX_PERIODS} periods in the window: audit this cadence over a shorter window`);
  const bigger = new Float64Array(Math.min(MAX_PERIODS, starts.length * 2));
  bigger.set(starts);
  return bigger;
}

function calendarPeriods(every: CadenceEvery, from: number, end: number): Periods {
  let starts = new Float64Array(64);
  let n = 0;
  for (let t = from; t < end; t = nextCalendarStart(every, t)) {
    starts = grow(starts, n);
    starts[n++] = t;
  }
  return { starts: starts.slice(0, n), end };
}

/** The start of the calendar period after the one holding t, in UTC. */
function nextCalendarStart(every: CadenceEvery, t: number): number {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (every) {
    case 'hourly':
      return Math.floor(t / HOUR) * HOUR + HOUR;
    case 'daily':
      return Math.floor(t / DAY) * DAY + DAY;
    case 'weekly': {
      // ISO weeks start on Monday; 1970-01-01 was a Thursday.
      const day = Math.floor(t / DAY);
      return (day - ((day + 3) % 7) + 7) * DAY;
    }
    case 'monthly':
      return Date.UTC(y, m + 1, 1);
    case 'quarterly':
      return Date.UTC(y, m - (m % 3) + 3, 1);
    case 'annually':
      return Date.UTC(y + 1, 0, 1);
  }
}

/**
 * Fire times come from cron-parser, which steps field by field (never minute by minute). node-cron, which fires the
 * daemon, requires day of month and day of week both to match when both are restricted, where cron-parser (as
 * Vixie cron) accepts either: its fires are then a superset, and node-cron's own matcher keeps the ones it fires at.
 */
function schedulePeriods(schedule: string, timezone: string, from: number, end: number, leading: boolean): Periods {
  let fires: ReturnType<typeof CronExpressionParser.parse>;
  try {
    // currentDate is exclusive: start one millisecond early so a fire at `from` itself counts.
    fires = CronExpressionParser.parse(schedule, { currentDate: new Date(from - 1), tz: timezone });
  } catch (err) {
    throw new CadenceError(`schedule "${schedule}" (${timezone}) cannot be read: ${(err as Error).message}`);
  }
  const both = !fires.fields.dayOfMonth.isWildcard && !fires.fields.dayOfWeek.isWildcard;
  const matcher = both ? cron.createTask(schedule, () => undefined, { timezone }) : undefined;
  let starts = new Float64Array(64);
  let n = 0;
  if (leading) starts[n++] = from;
  for (;;) {
    const t = fires.next().getTime();
    if (t >= end) break;
    if (matcher && !matcher.match(new Date(t))) continue;
    if (n === 1 && leading && t === from) continue;
    starts = grow(starts, n);
    starts[n++] = t;
  }
  return { starts: starts.slice(0, n), end };
}

/** The period holding t, or -1 when t is before the first or at or after the end. */
export function periodIndex(p: Periods, t: number): number {
  const s = p.starts;
  if (s.length === 0 || t < s[0]! || t >= p.end) return -1;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (s[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function periodEnd(p: Periods, i: number): number {
  return i + 1 < p.starts.length ? p.starts[i + 1]! : p.end;
}
