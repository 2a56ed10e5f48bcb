import { escapeXml } from '../svg/xml.js';

/**
 * Markup that is already safe to place in the page. Everything else interpolated with `html` is escaped, since
 * every string of a store (summaries, subjects, findings, payloads) is written by whoever can write the store.
 */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

export type HtmlValue = string | number | Html | readonly HtmlValue[] | null | undefined | false;

/** Markup the caller vouches for: an SVG string from src/audit/svg, or a constant. Never a store's string. */
export function raw(markup: string): Html {
  return new Html(markup);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  // The same escaping as the charts: it is valid in HTML text and quoted attributes, and drops what XML cannot hold.
  return escapeXml(String(value));
}

/** A template whose interpolations are escaped unless they are Html: `html\`<td>${summary}</td>\``. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}
