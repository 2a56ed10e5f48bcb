import { legend, type Mark, OKABE_ITO } from './marks.js';
import { strip } from './strip.js';
import { svgRoot } from './xml.js';

/** What a day of a control's window holds, as the coverage computation classifies its periods. */
export type DayState = 'evidenced' | 'attempted' | 'explained' | 'gap' | 'outside';

export interface CoverageDay {
  /** `YYYY-MM-DD` (UTC); the days of one strip are consecutive. */
  day: string;
  state: DayState;
  /** Shown in the day's title, e.g. why a gap is explained ("run skipped: previous run still going"). */
  detail?: string;
}

export interface CoverageStripOptions {
  /** What the strip shows ("CC7.2 coverage, 2025-01-01 to 2025-03-31"): the image's accessible name. */
  title: string;
  /** Days per row before the strip wraps (default 92: a quarter fits one row). */
  daysPerRow?: number;
}

export const DAY_MARKS: Record<DayState, Mark> = {
  evidenced: { fill: OKABE_ITO.bluishGreen, shape: 'solid', label: 'evidenced' },
  attempted: { fill: OKABE_ITO.orange, shape: 'slash', label: 'attempted (errors only)' },
  explained: { fill: OKABE_ITO.skyBlue, shape: 'dot', label: 'explained gap' },
  gap: { fill: OKABE_ITO.vermillion, shape: 'cross', label: 'unexplained gap' },
  outside: { fill: '#ffffff', shape: 'empty', label: 'outside the window' },
};

const DAY_MS = 86_400_000;

/**
 * A day-by-day coverage strip: one cell per day, each state a colour and a mark, a legend with counts and date
 * ticks (the first and last day of each row and the first of each month). Throws, naming the entry, when the
 * days are not consecutive valid dates or a state is unknown.
 */
export function coverageStrip(days: readonly CoverageDay[], options: CoverageStripOptions): string {
  if (days.length === 0) throw new Error(`coverage strip "${options.title}": no days; pass one entry per day of the window`);
  checkDays(days, options.title);
  const perRow = options.daysPerRow ?? 92;
  if (!Number.isInteger(perRow) || perRow < 1) throw new Error(`coverage strip "${options.title}": daysPerRow is ${perRow}; use a whole number ≥ 1`);
  const inRow = Math.min(perRow, days.length);
  const cellWidth = Math.max(6, Math.min(16, Math.floor(736 / inRow)));
  const cells = days.map((d) => ({ key: d.day, state: d.state, mark: DAY_MARKS[d.state], ...(d.detail === undefined ? {} : { detail: d.detail }) }));
  const body = strip(cells, { dataName: 'day', unit: ['day', 'days'], perRow, cellWidth, cellHeight: 20, tickAt: (c) => c.key.endsWith('-01') }, 8);

  const counts = new Map<DayState, number>();
  for (const d of days) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
  const width = Math.max(body.width, 560);
  const entries = (Object.keys(DAY_MARKS) as DayState[]).map((s) => ({ mark: DAY_MARKS[s], text: `${DAY_MARKS[s].label}: ${counts.get(s) ?? 0}` }));
  const key = legend(entries, 8, 8 + body.height + 10, width - 16);
  const summary = entries.map((e) => e.text).join(', ');
  return svgRoot(width, 8 + body.height + 10 + key.height + 4, `${options.title}: ${days.length} days (${summary})`, body.svg + key.svg);
}

function checkDays(days: readonly CoverageDay[], title: string): void {
  let previous = Number.NaN;
  days.forEach((d, i) => {
    const at = `coverage strip "${title}", day ${i} (${JSON.stringify(d.day)})`;
    const t = /^\d{4}-\d{2}-\d{2}$/.test(d.day) ? Date.parse(`${d.day}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d.day) throw new Error(`${at}: not a calendar date; write days as YYYY-MM-DD`);
    if (i > 0 && t !== previous + DAY_MS) throw new Error(`${at}: does not follow the day before it; pass every day of the window once, in order`);
    if (!Object.hasOwn(DAY_MARKS, d.state)) throw new Error(`${at}: state ${JSON.stringify(d.state)} is not one of ${Object.keys(DAY_MARKS).join(', ')}`);
    previous = t;
  });
}
