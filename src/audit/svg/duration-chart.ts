import { cut } from './bar-chart.js';
import { OKABE_ITO, textWidth } from './marks.js';
import { attrs, checkAmount, escapeXml, svgRoot, text } from './xml.js';

export interface DurationRow {
  /** The drill or run ("2025-02-03 failover drill"). */
  label: string;
  /** How long it took; null when it did not complete. */
  seconds: number | null;
  detail?: string;
}

export interface DurationChartOptions {
  /** What the chart shows: the image's accessible name. */
  title: string;
  /** The objective (e.g. the recovery time objective) drawn as a dashed line; bars past it are marked. */
  objectiveSeconds?: number;
  /** Name of the objective on the chart (default "objective"). */
  objectiveLabel?: string;
}

const ROW = 24;
const BAR = 14;
const BAR_AREA = 400;
const LABEL_MAX = 220;
const TOP = 24;
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400];

/**
 * Durations as horizontal bars against an objective line. A bar over the objective is told three ways: it is
 * vermillion rather than blue, it crosses the dashed line, and its text says "over <objective>". A run that did
 * not complete has no bar and says so.
 */
export function durationChart(rows: readonly DurationRow[], options: DurationChartOptions): string {
  rows.forEach((r, i) => {
    if (r.seconds !== null) checkAmount(r.seconds, `duration chart "${options.title}", row ${i} (${JSON.stringify(r.label)}) seconds`);
  });
  const objective =
    options.objectiveSeconds === undefined ? undefined : checkAmount(options.objectiveSeconds, `duration chart "${options.title}" objectiveSeconds`);
  const objectiveName = options.objectiveLabel ?? 'objective';
  const longest = Math.max(objective ?? 0, ...rows.map((r) => r.seconds ?? 0));
  const step = STEPS.find((s) => longest / s <= 6) ?? Math.ceil(longest / 6 / 86_400) * 86_400;
  const scaleMax = Math.max(step, Math.ceil(longest / step) * step);
  const labelWidth = Math.min(LABEL_MAX, Math.max(60, ...rows.map((r) => textWidth(r.label))));
  const x0 = 8 + labelWidth + 8;
  const at = (s: number): number => x0 + (s / scaleMax) * BAR_AREA;

  const described = rows.map((r) => {
    const over = objective !== undefined && r.seconds !== null && r.seconds > objective;
    const said = r.seconds === null ? 'did not complete' : `${formatDuration(r.seconds)}${over ? `, over ${objectiveName}` : ''}`;
    return { ...r, over, said: r.detail === undefined ? said : `${said}, ${r.detail}` };
  });
  const width = x0 + BAR_AREA + 12 + Math.max(120, ...described.map((r) => textWidth(r.said)));
  const bodyBottom = TOP + rows.length * ROW;
  const parts = described.map((r, i) => {
    const y = TOP + i * ROW;
    const bar =
      r.seconds === null
        ? ''
        : `<rect${attrs({ x: x0, y: y + (ROW - BAR) / 2, width: at(r.seconds) - x0, height: BAR, fill: r.over ? OKABE_ITO.vermillion : OKABE_ITO.blue, 'data-over': r.over ? 'yes' : 'no' })}/>`;
    const end = r.seconds === null ? x0 : at(r.seconds);
    return (
      `<g class="duration" data-row="${i}"><title>${escapeXml(`${r.label}: ${r.said}`)}</title>` +
      text(8 + labelWidth, y + ROW / 2 + 4, cut(r.label, labelWidth), { 'text-anchor': 'end' }) +
      bar +
      text(end + 6, y + ROW / 2 + 4, r.said, r.seconds === null ? { 'font-style': 'italic' } : {}) +
      '</g>'
    );
  });

  const axis: string[] = [`<line${attrs({ x1: x0, y1: TOP - 4, x2: x0, y2: bodyBottom, stroke: '#333333', 'stroke-width': 1 })}/>`];
  for (let s = 0; s <= scaleMax; s += step) {
    axis.push(
      `<line${attrs({ x1: at(s), y1: bodyBottom, x2: at(s), y2: bodyBottom + 4, stroke: '#555555', 'stroke-width': 1 })}/>`,
      text(at(s), bodyBottom + 15, formatDuration(s), { 'font-size': 10, 'text-anchor': 'middle', fill: '#333333' }),
    );
  }
  if (objective !== undefined) {
    const x = at(objective);
    axis.push(
      `<g class="objective"><line${attrs({ x1: x, y1: TOP - 8, x2: x, y2: bodyBottom + 2, stroke: OKABE_ITO.black, 'stroke-width': 1.5, 'stroke-dasharray': '5 3' })}/>` +
        text(x, TOP - 11, `${objectiveName} ${formatDuration(objective)}`, { 'font-size': 10, 'text-anchor': 'middle' }) +
        '</g>',
    );
  }
  const over = described.filter((r) => r.over).length;
  const unfinished = described.filter((r) => r.seconds === null).length;
  const label =
    `${options.title}: ${rows.length} runs` +
    (objective === undefined ? '' : `, ${over} over ${objectiveName} ${formatDuration(objective)}`) +
    (unfinished === 0 ? '' : `, ${unfinished} did not complete`);
  return svgRoot(width, bodyBottom + 24, label, axis.join('') + parts.join(''));
}

/** `42 s`, `47.5 s`, `5 min`, `4 min 05 s`, `2 h`, `2 h 03 min`: seconds below a minute keep one decimal, longer
 * ones are cut, never rounded up (a run of 299.6 s must not read as the 5 min it did not reach). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds * 10) / 10} s`;
  const whole = Math.floor(seconds);
  const [big, small, bigUnit, smallUnit] =
    whole < 3600 ? [Math.floor(whole / 60), whole % 60, 'min', 's'] : [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), 'h', 'min'];
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${String(small).padStart(2, '0')} ${smallUnit}`;
}
