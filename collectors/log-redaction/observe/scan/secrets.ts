import type { LeakKind, Match } from './types.js';

/**
 * The built-in secret and personal-data detectors, run on one decoded line. Each pattern starts with a
 * literal or a bounded class, so a pathological line (a megabyte of letters) costs linear time: no
 * pattern here starts with an unbounded run that the engine would retry at every position.
 */
const SECRET_PATTERNS: ReadonlyArray<{ kind: LeakKind; regex: RegExp; group?: number }> = [
  // The token after the scheme is the secret; a JWT or key inside it is reported once, as this.
  { kind: 'bearer-token', regex: /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)/g, group: 1 },
  { kind: 'jwt', regex: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g },
  // OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-) and Anthropic (sk-ant-api03-…) styles.
  { kind: 'api-key', regex: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g },
  { kind: 'aws-access-key', regex: /(?<![A-Z0-9])A(?:KIA|SIA)[A-Z0-9]{16}(?![A-Z0-9])/g },
  // 13 to 19 digits, plain or grouped 4-4-4-4(-3) or 4-6-4/5 with spaces or dashes, standing alone: not
  // inside a hexadecimal id or after a decimal point.
  { kind: 'card-number', regex: /(?<![\w.])[2-6]\d{3}(?:\d{9,15}|([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?|([ -])\d{6}\2\d{4,5})(?!\w)/g },
];

/** Literal-first necessary conditions of the detectors above, for the raw-byte prefilter (see anchors.ts). */
export const SECRET_ANCHORS = [
  '[Bb]earer\\s',
  'eyJ',
  'sk-[A-Za-z0-9_-]{20}',
  'A[KS]IA[A-Z0-9]{16}',
  '(?<![\\w.])[2-6]\\d{3}[ -]?\\d{4}',
  // E-mail: a local-part character, `@`, a domain character; `"@timestamp"` and `@ ` are not candidates.
  '[A-Za-z0-9._%+-]@[A-Za-z0-9]',
];

type Span = [number, number];

const covered = (spans: Span[], start: number, end: number) => spans.some(([s, e]) => start >= s && end <= e);

/** Appends the secrets found in `text`, each once: a match inside an earlier detector's match is not repeated. */
export function detectSecrets(text: string, out: Match[]): void {
  const spans: Span[] = [];
  for (const { kind, regex, group } of SECRET_PATTERNS) {
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m; m = regex.exec(text)) {
      const end = m.index + m[0].length;
      if (covered(spans, m.index, end)) continue;
      if (kind === 'card-number') {
        const digits = m[0].replace(/[ -]/g, '');
        if (!cardLike(digits)) continue;
        out.push({ kind, text: digits });
      } else out.push({ kind, text: group ? m[group]! : m[0] });
      spans.push([m.index, end]);
    }
  }
  detectEmails(text, spans, out);
}

const LOCAL = /[A-Za-z0-9._%+-]/;
const DOMAIN = /[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;

/**
 * E-mail addresses, found from each `@` outwards: a regular expression that starts with the local part
 * would retry a long run of letters at every position (quadratic on a huge line).
 */
function detectEmails(text: string, spans: Span[], out: Match[]): void {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL.test(text[start - 1]!)) start--;
    while (start < at && text[start] === '.') start++;
    if (start === at) continue;
    DOMAIN.lastIndex = at + 1;
    const domain = DOMAIN.exec(text);
    if (!domain) continue;
    const end = at + 1 + domain[0].length;
    if (covered(spans, start, end)) continue;
    out.push({ kind: 'email', text: text.slice(start, end) });
    spans.push([start, end]);
    at = end - 1;
  }
}

/** Issuer prefixes of the card networks (Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay), then Luhn. */
const ISSUER = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]|7[01]|720)|3[47]|3(?:0[0-5]|[689])|35|6(?:011|4[4-9]|5|2))/;

export function cardLike(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && ISSUER.test(digits) && luhn(digits);
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
