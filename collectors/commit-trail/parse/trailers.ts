import type { Identity } from '../schema.js';
import type { Identities } from './identities.js';

export interface Trailer {
  /** Lowercased: git treats trailer keys case-insensitively (`Co-Authored-By` is `Co-authored-by`). */
  key: string;
  value: string;
  /** The person the value names, for trailers that name one (co-authors, reviewers, approvers); else null. */
  identity: Identity | null;
}

const PERSON_KEYS = new Set(['co-authored-by', 'reviewed-by', 'approved-by']);

/** Parses the output of `%(trailers:unfold,only)`: one `Key: value` per line. */
export function parseTrailers(text: string, identities: Identities): Trailer[] {
  const trailers: Trailer[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    trailers.push({ key, value, identity: PERSON_KEYS.has(key) ? identities.parse(value) : null });
  }
  return trailers;
}

export function hasTrailer(trailers: readonly Trailer[], key: string): boolean {
  return trailers.some((t) => t.key === key);
}

/** The people that trailers with `key` name. */
export function trailerIdentities(trailers: readonly Trailer[], key: string): Identity[] {
  const out: Identity[] = [];
  for (const t of trailers) if (t.key === key && t.identity) out.push(t.identity);
  return out;
}
