import { type Mark, markCell, textWidth } from './marks.js';
import { attrs, escapeXml } from './xml.js';

/** One cell of a strip: `key` is what the cell stands for (a day, a period) and is written as its data attribute. */
export interface StripCell {
  key: string;
  state: string;
  mark: Mark;
  detail?: string;
}

export interface StripLayout {
  /** Name of the data attribute each cell's rect carries (`data-<name>="<key>"`). */
  dataName: string;
  /** What one cell is, singular and plural, for the titles of runs ("3 days"). */
  unit: [string, string];
  perRow: number;
  cellWidth: number;
  cellHeight: number;
  /** Cells whose key deserves a tick label; the first and last of each row always get one when there is room. */
  tickAt: (cell: StripCell) => boolean;
}

const LEFT = 8;
const RIGHT = 8;
const TICKS = 20;
const ROW_GAP = 10;

/**
 * Rows of cells, `perRow` to a row. Consecutive cells of one state and detail form a run inside a <g> with one
 * <title>, so a screen reader or a hovering reader gets "2025-01-03 to 2025-01-05: unexplained gap (3 days)"
 * instead of three separate cells.
 */
export function strip(cells: readonly StripCell[], layout: StripLayout, top: number): { svg: string; width: number; height: number } {
  const { cellWidth: cw, cellHeight: ch, perRow } = layout;
  const width = LEFT + Math.min(perRow, cells.length) * cw + RIGHT;
  const parts: string[] = [];
  let y = top;
  for (let start = 0; start < cells.length; start += perRow) {
    const row = cells.slice(start, start + perRow);
    parts.push(`<g class="strip-row">${runs(row, layout, y)}</g>`, ticks(row, layout, y + ch, width));
    y += ch + TICKS + ROW_GAP;
  }
  return { svg: parts.join(''), width, height: y - top - ROW_GAP };
}

function runs(row: readonly StripCell[], layout: StripLayout, y: number): string {
  const out: string[] = [];
  let i = 0;
  while (i < row.length) {
    const first = row[i]!;
    let j = i + 1;
    while (j < row.length && row[j]!.state === first.state && row[j]!.detail === first.detail) j++;
    const last = row[j - 1]!;
    const n = j - i;
    const what = `${first.mark.label}${first.detail === undefined ? '' : ` (${first.detail})`}`;
    const title = n === 1 ? `${first.key}: ${what}` : `${first.key} to ${last.key}: ${what}, ${n} ${layout.unit[1]}`;
    const body = row
      .slice(i, j)
      .map((c, k) =>
        markCell(c.mark, LEFT + (i + k) * layout.cellWidth, y, layout.cellWidth, layout.cellHeight, {
          [`data-${layout.dataName}`]: c.key,
          'data-state': c.state,
        }),
      )
      .join('');
    out.push(`<g class="run"><title>${escapeXml(title)}</title>${body}</g>`);
    i = j;
  }
  return out.join('');
}

function ticks(row: readonly StripCell[], layout: StripLayout, y: number, width: number): string {
  const out: string[] = [];
  let freeFrom = Number.NEGATIVE_INFINITY;
  const lastLabelWidth = textWidth(row[row.length - 1]!.key, 10);
  const lastStart = LEFT + row.length * layout.cellWidth - lastLabelWidth;
  row.forEach((cell, i) => {
    if (!(i === 0 || i === row.length - 1 || layout.tickAt(cell))) return;
    const x = LEFT + (i + 0.5) * layout.cellWidth;
    const isLast = i === row.length - 1;
    const labelX = isLast ? Math.min(x, width - RIGHT) : Math.max(LEFT, x - 2);
    const w = textWidth(cell.key, 10);
    const from = isLast ? labelX - w : labelX;
    // Keep the last cell's label free: a tick just before it gives way rather than the row's end.
    if (from < freeFrom || (!isLast && i > 0 && from + w + 8 > lastStart)) return;
    out.push(
      `<line${attrs({ x1: x, y1: y, x2: x, y2: y + 4, stroke: '#555555', 'stroke-width': 1 })}/>` +
        `<text${attrs({ x: labelX, y: y + 15, 'font-size': 10, 'text-anchor': isLast ? 'end' : 'start', fill: '#333333' })}>${escapeXml(cell.key)}</text>`,
    );
    freeFrom = from + w + 8;
  });
  return `<g class="ticks">${out.join('')}</g>`;
}
