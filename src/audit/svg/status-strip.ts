import { legend, type Mark, OKABE_ITO } from './marks.js';
import { strip } from './strip.js';
import { svgRoot } from './xml.js';

/** The worst status of the records of a period; `none` when the period holds no record. */
export type PeriodStatus = 'pass' | 'fail' | 'error' | 'info' | 'none';

export interface StatusPeriod {
  /** The period's name as the reader should see it: a day, `2025-W02`, `2025-01`… Periods are in time order. */
  period: string;
  status: PeriodStatus;
  /** Shown in the period's title, e.g. "2 open findings (high)". */
  detail?: string;
}

export interface StatusStripOptions {
  /** What the strip shows: the image's accessible name. */
  title: string;
  /** Periods per row before the strip wraps (default 92). */
  periodsPerRow?: number;
}

export const STATUS_MARKS: Record<PeriodStatus, Mark> = {
  pass: { fill: OKABE_ITO.bluishGreen, shape: 'solid', label: 'pass' },
  fail: { fill: OKABE_ITO.vermillion, shape: 'cross', label: 'fail' },
  error: { fill: OKABE_ITO.orange, shape: 'slash', label: 'error' },
  info: { fill: OKABE_ITO.skyBlue, shape: 'dot', label: 'info' },
  none: { fill: '#ffffff', shape: 'empty', label: 'no record' },
};

/** A status-over-time strip: one cell per period, its status as a colour and a mark, a legend with counts. */
export function statusStrip(periods: readonly StatusPeriod[], options: StatusStripOptions): string {
  if (periods.length === 0) throw new Error(`status strip "${options.title}": no periods; pass one entry per period of the window`);
  periods.forEach((p, i) => {
    if (!Object.hasOwn(STATUS_MARKS, p.status))
      throw new Error(
        `status strip "${options.title}", period ${i} (${JSON.stringify(p.period)}): status ${JSON.stringify(p.status)} is not one of ${Object.keys(STATUS_MARKS).join(', ')}`,
      );
  });
  const perRow = options.periodsPerRow ?? 92;
  if (!Number.isInteger(perRow) || perRow < 1) throw new Error(`status strip "${options.title}": periodsPerRow is ${perRow}; use a whole number ≥ 1`);
  const cellWidth = Math.max(6, Math.min(28, Math.floor(736 / Math.min(perRow, periods.length))));
  const cells = periods.map((p) => ({ key: p.period, state: p.status, mark: STATUS_MARKS[p.status], ...(p.detail === undefined ? {} : { detail: p.detail }) }));
  // Every period may carry a tick; the strip drops those that would overlap the previous label.
  const body = strip(cells, { dataName: 'period', unit: ['period', 'periods'], perRow, cellWidth, cellHeight: 20, tickAt: () => true }, 8);

  const counts = new Map<PeriodStatus, number>();
  for (const p of periods) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  const width = Math.max(body.width, 460);
  const entries = (Object.keys(STATUS_MARKS) as PeriodStatus[]).map((s) => ({
    mark: STATUS_MARKS[s],
    text: `${STATUS_MARKS[s].label}: ${counts.get(s) ?? 0}`,
  }));
  const key = legend(entries, 8, 8 + body.height + 10, width - 16);
  const summary = entries.map((e) => e.text).join(', ');
  return svgRoot(width, 8 + body.height + 10 + key.height + 4, `${options.title}: ${periods.length} periods (${summary})`, body.svg + key.svg);
}
