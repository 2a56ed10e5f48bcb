/**
 * Text and number output for the SVG charts. Every label a chart writes comes from records (model names,
 * control ids, collector output), so it is treated as hostile: escaped for XML, and characters that XML 1.0
 * cannot hold at all (NUL and other C0 controls, lone surrogates, U+FFFE/U+FFFF) are replaced by U+FFFD, since
 * escaping cannot make them well-formed.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Without the u flag the pattern sees UTF-16 code units, so a surrogate without its pair is found too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the control characters XML 1.0 forbids is the point.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` made safe inside an XML text node or a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A coordinate or length: at most two decimals, no exponent, no `-0`. */
export function num(n: number): string {
  const r = Math.round(n * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** `<tag a="v" …>`-style attributes, values escaped; undefined values are left out. */
export function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join('');
}

/** A text element; `content` is escaped. */
export function text(x: number, y: number, content: string, extra: Record<string, string | number | undefined> = {}): string {
  return `<text${attrs({ x, y, ...extra })}>${escapeXml(content)}</text>`;
}

/** The root element every chart returns: an image for assistive technology, named by `label` both as aria-label and <title>. */
export function svgRoot(width: number, height: number, label: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width, height, viewBox: `0 0 ${num(width)} ${num(height)}`, role: 'img', 'aria-label': label })}` +
    ` font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11">` +
    `<title>${escapeXml(label)}</title>${body}</svg>`
  );
}

/** A finite, non-negative number, or an error naming the field. */
export function checkAmount(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${field} is ${String(value)}: a chart value must be a finite number ≥ 0`);
  return value;
}
