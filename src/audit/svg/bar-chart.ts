import { OKABE_ITO, textWidth } from './marks.js';
import { attrs, checkAmount, escapeXml, svgRoot, text } from './xml.js';

export interface BarRow {
  label: string;
  value: number;
  /** Shown after the value and in the row's title, e.g. "3 unreviewed". */
  note?: string;
}

export interface BarChartOptions {
  /** What the chart shows: the image's accessible name. */
  title: string;
  /** Written after each value ("commits", "records"). */
  unit?: string;
  /** What the percentages are of (default: the sum of the values). */
  total?: number;
}

const ROW = 24;
const BAR = 14;
const BAR_AREA = 360;
const LABEL_MAX = 220;

/**
 * Horizontal bars, one per row in the order given, each with its label, value and share of the total. Bars are
 * told apart by position and label, so one colour serves; labels longer than the column are cut with an
 * ellipsis on screen and given whole in the row's title.
 */
export function barChart(rows: readonly BarRow[], options: BarChartOptions): string {
  for (const [i, r] of rows.entries()) checkAmount(r.value, `bar chart "${options.title}", row ${i} (${JSON.stringify(r.label)}) value`);
  const total = options.total === undefined ? rows.reduce((s, r) => s + r.value, 0) : checkAmount(options.total, `bar chart "${options.title}" total`);
  const max = Math.max(0, ...rows.map((r) => r.value));
  const labelWidth = Math.min(LABEL_MAX, Math.max(60, ...rows.map((r) => textWidth(r.label))));
  const x0 = 8 + labelWidth + 8;
  const described = rows.map((r) => ({ ...r, said: describe(r, options.unit, total) }));
  const width = x0 + BAR_AREA + 12 + Math.max(120, ...described.map((r) => textWidth(r.said)));
  const parts = described.map((r, i) => {
    const y = 8 + i * ROW;
    const w = max === 0 ? 0 : (r.value / max) * BAR_AREA;
    return (
      `<g class="bar" data-row="${i}"><title>${escapeXml(`${r.label}: ${r.said}`)}</title>` +
      text(8 + labelWidth, y + ROW / 2 + 4, cut(r.label, labelWidth), { 'text-anchor': 'end' }) +
      `<rect${attrs({ x: x0, y: y + (ROW - BAR) / 2, width: w, height: BAR, fill: OKABE_ITO.blue })}/>` +
      text(x0 + w + 6, y + ROW / 2 + 4, r.said) +
      '</g>'
    );
  });
  const height = 8 + rows.length * ROW + 8;
  const axis = `<line${attrs({ x1: x0, y1: 4, x2: x0, y2: height - 4, stroke: '#333333', 'stroke-width': 1 })}/>`;
  const summary = described.map((r) => `${r.label} ${r.said}`).join('; ');
  return svgRoot(width, height, `${options.title}: ${rows.length === 0 ? 'no rows' : summary}`, axis + parts.join(''));
}

function describe(r: BarRow, unit: string | undefined, total: number): string {
  const share = total > 0 ? `${((r.value / total) * 100).toFixed(1)}%` : '—';
  return `${formatValue(r.value)}${unit === undefined ? '' : ` ${unit}`} (${share})${r.note === undefined ? '' : `, ${r.note}`}`;
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** `label` shortened with an ellipsis to fit `width`. */
export function cut(label: string, width: number): string {
  const chars = [...label];
  const fits = Math.floor(width / textWidth('x'));
  return chars.length <= fits ? label : `${chars.slice(0, Math.max(1, fits - 1)).join('')}…`;
}
