import { attrs, escapeXml } from './xml.js';

/**
 * Okabe–Ito colours, each paired with a mark drawn inside the cell, so a state reads without colour vision and in
 * black-and-white print: solid, one slash, a dot, a cross, or an empty outlined cell. Marks are drawn per cell
 * rather than as <pattern> fills, so several charts inlined in one HTML page never share element ids.
 */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

export type MarkShape = 'solid' | 'slash' | 'dot' | 'cross' | 'empty';

export interface Mark {
  fill: string;
  shape: MarkShape;
  /** What a reader is told the mark means (legend and titles). */
  label: string;
}

const INK = '#1a1a1a';

/** A cell of the mark at (x, y), size w × h; `data` adds data-* attributes to its rect (what tests and scripts count). */
export function markCell(mark: Mark, x: number, y: number, w: number, h: number, data: Record<string, string> = {}): string {
  const empty = mark.shape === 'empty';
  const rect = `<rect${attrs({ ...data, x, y, width: w, height: h, fill: empty ? '#ffffff' : mark.fill, stroke: empty ? '#8c8c8c' : '#ffffff', 'stroke-width': empty ? 0.75 : 0.5 })}/>`;
  const line = (x1: number, y1: number, x2: number, y2: number): string =>
    `<line${attrs({ x1, y1, x2, y2, stroke: INK, 'stroke-width': 1, 'stroke-linecap': 'round' })}/>`;
  const inset = Math.min(w, h) * 0.2;
  switch (mark.shape) {
    case 'slash':
      return rect + line(x + inset, y + h - inset, x + w - inset, y + inset);
    case 'cross':
      return rect + line(x + inset, y + inset, x + w - inset, y + h - inset) + line(x + inset, y + h - inset, x + w - inset, y + inset);
    case 'dot':
      return `${rect}<circle${attrs({ cx: x + w / 2, cy: y + h / 2, r: Math.max(1, Math.min(w, h) / 5), fill: INK })}/>`;
    default:
      return rect;
  }
}

/** Rough width of `s` at font-size 11, for layout only (no font metrics on the server). */
export function textWidth(s: string, fontSize = 11): number {
  return [...s].length * fontSize * 0.58;
}

/** A legend of marks, wrapped into lines of at most `width`; returns the markup and the height it takes. */
export function legend(entries: { mark: Mark; text: string }[], x: number, y: number, width: number): { svg: string; height: number } {
  const line = 18;
  let cx = x;
  let cy = y;
  const parts: string[] = [];
  for (const { mark, text: t } of entries) {
    const w = 12 + 5 + textWidth(t) + 16;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += line;
    }
    parts.push(`<g class="legend-entry">${markCell(mark, cx, cy, 12, 12)}<text${attrs({ x: cx + 17, y: cy + 10 })}>${escapeXml(t)}</text></g>`);
    cx += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: cy - y + line };
}
