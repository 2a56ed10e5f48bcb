import type { Match } from './types.js';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Values that say a field was redacted rather than holding a prompt: `[REDACTED]`, `***`, `<masked>`, `sha256:…`. */
const REDACTED = /^\W*(?:redacted|removed|masked|filtered|hidden|omitted|scrubbed|\*+|x+)\W*$|^\[?redacted\b.{0,40}$|^(?:sha256|hmac|hash):[0-9a-f]+$/i;

function holdsContent(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || typeof value === 'boolean') return false;
  if (typeof value === 'string') return !REDACTED.test(value.trim());
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Deeper JSON than this is not walked: a log record that nests further is not an inference log. */
const MAX_DEPTH = 32;

/**
 * Finds configured prompt and response fields in log lines. In a JSON line, a field matches a configured
 * name when its dotted path equals the name or ends with `.name`, whether the path comes from nested
 * objects (`{"gen_ai":{"prompt":…}}`), literal dotted keys (`{"gen_ai.prompt":…}`) or a mix
 * (`{"attributes":{"gen_ai.prompt":…}}`). Other lines (and JSON lines cut by the line window) are read as
 * text: `name: value`, `name=value`, `"name": "value"`, `'name': 'value'`.
 */
export class PromptFields {
  /** Longest names first, so that a field is reported under its most specific configured name. */
  private readonly names: string[];
  private readonly textRules: Array<{ name: string; regex: RegExp }>;
  /** Necessary conditions for the raw-byte prefilter: the last segment of each name before a `:` or `=`. */
  readonly anchors: string[];

  constructor(names: readonly string[]) {
    this.names = [...new Set(names)].filter((n) => n !== '').sort((a, b) => b.length - a.length);
    this.textRules = this.names.map((name) => ({
      name,
      regex: new RegExp(`(?<![\\w.-])["']?${escapeRegExp(name)}["']?\\s*[:=]\\s*("(?:[^"\\\\]|\\\\.)*"?|'(?:[^'\\\\]|\\\\.)*'?|[^\\s,;)}\\]]+)`, 'g'),
    }));
    const lastSegments = new Set(this.names.map((n) => n.slice(n.lastIndexOf('.') + 1) || n));
    this.anchors = [...lastSegments].map((s) => `${escapeRegExp(s)}["']?\\s*[:=]`);
  }

  detect(text: string, out: Match[]): void {
    if (this.names.length === 0) return;
    const start = text.search(/\S/);
    if (text[start] === '{') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== null && typeof parsed === 'object') {
        this.walk(parsed, '', 0, out);
        return;
      }
    }
    this.detectInText(text, out);
  }

  private fieldFor(path: string): string | undefined {
    return this.names.find((n) => path === n || path.endsWith(`.${n}`));
  }

  private walk(node: unknown, path: string, depth: number, out: Match[]): void {
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) this.walk(item, path, depth + 1, out);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const child = path ? `${path}.${key}` : key;
      const field = this.fieldFor(child);
      if (field === undefined) this.walk(value, child, depth + 1, out);
      else if (holdsContent(value)) out.push({ kind: 'prompt-field', field, text: typeof value === 'string' ? value : JSON.stringify(value) });
    }
  }

  private detectInText(text: string, out: Match[]): void {
    const taken: number[] = [];
    for (const { name, regex } of this.textRules) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m; m = regex.exec(text)) {
        // A shorter name matching inside a longer one's key (`prompt` in `gen_ai.prompt`) is the same field.
        const valueAt = m.index + m[0].length - m[1]!.length;
        if (taken.includes(valueAt)) continue;
        taken.push(valueAt);
        const raw = m[1]!;
        const value = /^["']/.test(raw) ? raw.slice(1, raw.length > 1 && raw.endsWith(raw[0]!) ? -1 : undefined) : raw;
        if (holdsContent(value)) out.push({ kind: 'prompt-field', field: name, text: value });
      }
    }
  }
}
