export interface Trailer {
  /** Lowercased: git treats trailer keys case-insensitively (`Co-Authored-By` is `Co-authored-by`). */
  key: string;
  value: string;
}

/** Parses the output of `%(trailers:unfold,only)`: one `Key: value` per line. */
export function parseTrailers(text: string): Trailer[] {
  const trailers: Trailer[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    trailers.push({ key: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return trailers;
}

export function trailerValues(trailers: readonly Trailer[], key: string): string[] {
  return trailers.filter((t) => t.key === key).map((t) => t.value);
}
