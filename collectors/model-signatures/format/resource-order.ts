/**
 * Orders relative paths as the OpenSSF tool orders manifest resources: Python sorts its PurePosixPath keys
 * by their list of components, each compared by code point. That equals a string comparison in which '/'
 * ranks below every other character ('a/x' before 'a-b'), and in which characters outside the Basic
 * Multilingual Plane rank above U+E000–U+FFFF (JavaScript's default order compares UTF-16 code units).
 */
export function compareModelNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return (ca === 0x2f ? -1 : ca) - (cb === 0x2f ? -1 : cb);
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
