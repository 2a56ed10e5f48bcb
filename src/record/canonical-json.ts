/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * ECMAScript's own JSON serialisation of strings and numbers is exactly what
 * JCS prescribes, so the work left is ordering object members by UTF-16 code
 * units and refusing values that I-JSON does not allow. Anything that is not
 * plain JSON data is refused rather than coerced, so a record hashes the same
 * in every language.
 */
export class CanonicalizationError extends Error {
  override name = 'CanonicalizationError';
}

const LONE_SURROGATE = /\p{Surrogate}/u;

function canonicalString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new CanonicalizationError(`${path}: string holds a lone UTF-16 surrogate, which I-JSON forbids`);
  }
  return JSON.stringify(value);
}

function write(value: unknown, path: string, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalizationError(`${path}: ${value} is not a JSON number`);
      out.push(JSON.stringify(value));
      return;
    case 'string':
      out.push(canonicalString(value, path));
      return;
    case 'object':
      break;
    default:
      throw new CanonicalizationError(`${path}: a ${typeof value} is not JSON`);
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, `${path}[${i}]`, out);
    });
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalizationError(`${path}: only plain objects are JSON (got ${value.constructor.name})`);
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  // Default sort compares UTF-16 code units, which is the order JCS requires.
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  out.push('{');
  entries.forEach(([key, v], i) => {
    if (i > 0) out.push(',');
    out.push(canonicalString(key, path), ':');
    write(v, `${path}.${key}`, out);
  });
  out.push('}');
}

/** Serialises a JSON value in RFC 8785 canonical form. */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, '$', out);
  return out.join('');
}
