import { CronExpressionParser } from 'cron-parser';
import type { RecordCadence } from '../record/types.js';
import type { AuditWindow } from './scan.js';

/** How often a control operates, as practitioners size samples by it. */
export const FREQUENCY_CLASSES = ['annually', 'quarterly', 'monthly', 'weekly', 'daily', 'multiple-daily'] as const;
export type FrequencyClass = (typeof FREQUENCY_CLASSES)[number];
export type SampleSizes = Record<FrequencyClass, number>;

/**
 * Common practitioner convention for tests of controls (not an AICPA rule): annual 1, quarterly 2, monthly 2-5,
 * weekly 5-15, daily 20-40, several times a day 25-60. The upper end of each range, unless configured.
 */
export const DEFAULT_SAMPLE_SIZES: SampleSizes = { annually: 1, quarterly: 2, monthly: 5, weekly: 15, daily: 40, 'multiple-daily': 60 };

/** A `--sizes` value that cannot be read; the message says what is expected. */
export class SampleSizesError extends Error {
  override name = 'SampleSizesError';
}

/** `annually=1,quarterly=2,…`: the classes named replace the defaults, the others keep them. */
export function parseSampleSizes(text: string): SampleSizes {
  const sizes = { ...DEFAULT_SAMPLE_SIZES };
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^([a-z-]+)=(\d+)$/.exec(part);
    if (!m || !FREQUENCY_CLASSES.includes(m[1] as FrequencyClass)) {
      throw new SampleSizesError(`--sizes: "${part}" is not <class>=<size>; the classes are ${FREQUENCY_CLASSES.join(', ')}, e.g. --sizes daily=25,weekly=10`);
    }
    sizes[m[1] as FrequencyClass] = Number(m[2]);
  }
  return sizes;
}

const DAY_MS = 86_400_000;
const EVERY_CLASS: Record<Extract<RecordCadence, { every: string }>['every'], FrequencyClass> = {
  hourly: 'multiple-daily',
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
  quarterly: 'quarterly',
  annually: 'annually',
};
const TYPICAL_PER_DAY: Record<FrequencyClass, number> = {
  annually: 1 / 365.25,
  quarterly: 1 / 91.31,
  monthly: 1 / 30.44,
  weekly: 1 / 7,
  daily: 1,
  'multiple-daily': 24,
};
const YEAR_DAYS = 366;
// Counting stops here: a schedule that fires this often in a year fires several times a day.
const MAX_FIRES = 2_000;

/**
 * The class of something that happens `perDay` times a day on average. The bounds lie between the classes'
 * typical rates (geometric means), so a daily control that missed some days, or ran twice on one, stays daily.
 */
export function classOfRate(perDay: number): FrequencyClass {
  if (perDay >= 1.5) return 'multiple-daily';
  if (perDay >= Math.sqrt(1 / 7)) return 'daily';
  if (perDay >= Math.sqrt(1 / (7 * 30.44))) return 'weekly';
  if (perDay >= Math.sqrt(1 / (30.44 * 91.31))) return 'monthly';
  if (perDay >= Math.sqrt(1 / (91.31 * 365.25))) return 'quarterly';
  return 'annually';
}

function windowDays(window: AuditWindow): number {
  return Math.max(1, (window.to.getTime() - window.from.getTime() + 1) / DAY_MS);
}

/**
 * Fires of a cron schedule a day, in its time zone, measured over a year from the window's start whatever the
 * window's length (a monthly schedule fires once or not at all in a short window); null when it cannot be read.
 */
function firesPerDay(cadence: { schedule: string; timezone: string }, window: AuditWindow): number | null {
  const start = window.from.getTime() - 1;
  try {
    const fires = CronExpressionParser.parse(cadence.schedule, {
      currentDate: new Date(start),
      endDate: new Date(start + YEAR_DAYS * DAY_MS),
      tz: cadence.timezone,
    });
    let count = 0;
    let last = start;
    while (count < MAX_FIRES && fires.hasNext()) {
      last = fires.next().getTime();
      count++;
    }
    return count < MAX_FIRES ? count / YEAR_DAYS : count / ((last - start) / DAY_MS);
  } catch {
    return null;
  }
}

/** What is known of one stream of a population: the cadence its records state (null: none), and its rows. */
export interface StreamFrequency {
  cadence: RecordCadence | null;
  rows: number;
}

/**
 * The frequency class of a population. Records: the most frequent of its streams (a fleet of agents each running a
 * daily check is a daily control), each stream by the cadence its records state, else by its records a day in the
 * window (`inferred`). Items: the population's items a day.
 */
export function frequencyClassOf(
  unit: 'record' | 'item',
  streams: ReadonlyMap<string, StreamFrequency>,
  window: AuditWindow,
): { frequency: FrequencyClass; inferred: boolean } {
  const days = windowDays(window);
  if (unit === 'item') {
    const items = [...streams.values()].reduce((sum, s) => sum + s.rows, 0);
    return { frequency: classOfRate(items / days), inferred: true };
  }
  let rate = 0;
  let inferred = false;
  for (const { cadence, rows } of streams.values()) {
    if (cadence && 'every' in cadence) {
      rate = Math.max(rate, TYPICAL_PER_DAY[EVERY_CLASS[cadence.every]]);
      continue;
    }
    const stated = cadence ? firesPerDay(cadence, window) : null;
    if (stated === null) inferred = true;
    rate = Math.max(rate, stated ?? rows / days);
  }
  return { frequency: classOfRate(rate), inferred };
}

/** The sample size: `--size` when given, else the configured size of the frequency class; never more than the population. */
export function sampleSize(explicit: number | undefined, sizes: SampleSizes, frequency: FrequencyClass, rows: number): number {
  return Math.min(explicit ?? sizes[frequency], rows);
}
