import type { LeakKind, Match } from './types.js';

export class PatternError extends Error {
  override name = 'PatternError';
}

export interface CustomPattern {
  kind: LeakKind;
  regex: RegExp;
  /** A necessary condition for the raw-byte prefilter, or null when every line must be looked at. */
  anchor: string | null;
}

const META = new Set([...'\\^$.|?*+()[]{}']);

/**
 * The literal characters a pattern starts with (`acme_` of `acme_[A-Za-z0-9]{32}`), up to the first
 * metacharacter; a quantifier after the last one makes it optional, so that one is dropped. (A pattern
 * with `|` anywhere has no prefix that every match shares: the caller checks.)
 */
function literalPrefix(source: string): string {
  let i = 0;
  while (i < source.length && !META.has(source[i]!)) i++;
  const prefix = source.slice(0, i);
  return '?*{'.includes(source[i] ?? '') ? prefix.slice(0, -1) : prefix;
}

/**
 * Compiles the configured patterns. The prefilter reads raw bytes as Latin-1, so a pattern is its own
 * anchor only when it is ASCII and has no backreference or named group (which would clash in the union);
 * a pattern with neither a literal prefix nor that makes every line a candidate: correct, but slow.
 */
export function compilePatterns(patterns: readonly { name: string; regex: string }[]): CustomPattern[] {
  return patterns.map(({ name, regex }) => {
    let compiled: RegExp;
    try {
      compiled = new RegExp(regex, 'g');
    } catch (err) {
      throw new PatternError(`patterns: "${name}" is not a valid regular expression (${(err as Error).message}); fix its regex`);
    }
    if (compiled.test('')) throw new PatternError(`patterns: "${name}" matches the empty string; make it require at least one character`);
    const prefix = literalPrefix(regex);
    let anchor: string | null = null;
    if (prefix.length >= 2 && !regex.includes('|') && /^[\x20-\x7e]+$/.test(prefix)) anchor = prefix;
    else if (/^[\x20-\x7e]+$/.test(regex) && !/\\[1-9]|\\k<|\(\?</.test(regex.replace(/\(\?<[=!]/g, ''))) anchor = `(?:${regex})`;
    return { kind: `pattern:${name}` as const, regex: compiled, anchor };
  });
}

export function detectPatterns(text: string, patterns: readonly CustomPattern[], out: Match[]): void {
  for (const { kind, regex } of patterns) {
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m; m = regex.exec(text)) {
      if (m[0] === '') regex.lastIndex++;
      else out.push({ kind, text: m[0] });
    }
  }
}
