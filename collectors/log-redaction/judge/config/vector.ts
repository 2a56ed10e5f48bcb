import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { type PipelineVerdict, unknownConfig } from '../verdict.js';
import { Coverage, globTest } from './coverage.js';

type Component = { type?: unknown; inputs?: unknown; source?: unknown };
type Components = Record<string, Component>;

/** Routes followed back from one sink, at most this many: beyond it the verdict says so. */
const MAX_ROUTES = 64;

/**
 * Vector (YAML or TOML): for each sink, every route from a source to it, and
 * whether `remap` transforms on the route `del()` every prompt field or
 * `redact()` / overwrite it, in order. Statements inside a block (`if`) are
 * conditional and prove nothing.
 */
export function analyseVector(text: string, format: 'yaml' | 'toml', promptFields: readonly string[]): PipelineVerdict[] {
  let config: { sources?: Components; transforms?: Components; sinks?: Components };
  try {
    config = (format === 'toml' ? parseToml(text) : parseYaml(text)) as typeof config;
  } catch (e) {
    return unknownConfig(`not valid ${format.toUpperCase()}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!config || typeof config !== 'object' || !isComponents(config.sinks)) return unknownConfig('no sinks: not a Vector config');
  const transforms = isComponents(config.transforms) ? config.transforms : {};
  const sources = isComponents(config.sources) ? config.sources : {};
  const locate = locator(text, format);
  return Object.entries(config.sinks).map(([id, sink]) => {
    const sinkLine = locate('sinks', id);
    const routes = routesTo(inputsOf(sink), transforms, sources, []);
    if (routes.length === 0) return { pipeline: `sink ${id}`, verdict: 'unknown', reason: `sink ${id} has no inputs that name a source`, lines: [sinkLine] };
    if (routes.length > MAX_ROUTES)
      return { pipeline: `sink ${id}`, verdict: 'unknown', reason: `more than ${MAX_ROUTES} routes reach sink ${id}`, lines: [sinkLine] };
    const verdicts = routes.map((route) => {
      const coverage = new Coverage(promptFields);
      for (const t of route) if (transforms[t]!.type === 'remap') remap(String(transforms[t]!.source ?? ''), locate('transforms', t), text, coverage);
      const via = route.length > 0 ? ` via ${route.join(' → ')}` : ' directly';
      return coverage.verdict(`sink ${id}`, `sink ${id}${via}`, [sinkLine, ...route.map((t) => locate('transforms', t))]);
    });
    return verdicts.find((v) => v.verdict === 'passes-prompts') ?? verdicts.find((v) => v.verdict === 'redacts') ?? verdicts[0]!;
  });
}

function isComponents(v: unknown): v is Components {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function inputsOf(c: Component): string[] {
  return Array.isArray(c.inputs) ? c.inputs.map(String) : typeof c.inputs === 'string' ? [c.inputs] : [];
}

/** Each route as the transforms it passes, source side first; inputs may be globs or a route transform's `id.output`. */
function routesTo(inputs: string[], transforms: Components, sources: Components, seen: string[]): string[][] {
  const routes: string[][] = [];
  for (const input of inputs) {
    const test = globTest(input);
    const base = (id: string) => test(id) || input.startsWith(`${id}.`);
    for (const id of Object.keys(sources)) if (base(id)) routes.push([]);
    for (const id of Object.keys(transforms)) {
      if (!base(id) || seen.includes(id)) continue;
      for (const route of routesTo(inputsOf(transforms[id]!), transforms, sources, [...seen, id])) {
        routes.push([...route, id]);
        if (routes.length > MAX_ROUTES) return routes;
      }
    }
  }
  return routes;
}

/** `.gen_ai.prompt`, `."gen_ai.prompt"` and `.gen_ai."prompt"` all name the field gen_ai.prompt. */
const path = (p: string) => p.replace(/^\./, '').replace(/"/g, '');
const PATH = String.raw`(\.(?:"[^"]+"|[\w@]+)(?:\.(?:"[^"]+"|[\w@]+))*)`;
const DEL = new RegExp(String.raw`^del\(\s*${PATH}\s*\)$`);
const ASSIGN = new RegExp(String.raw`^${PATH}\s*=\s*(.+)$`);

function remap(source: string, at: number, text: string, coverage: Coverage): void {
  let depth = 0;
  for (const raw of source.split(/\r?\n/)) {
    for (const stmt of raw.split(';')) {
      const s = stmt.replace(/#.*$/, '').trim();
      if (depth === 0 && s !== '') statement(s, () => lineAfter(text, at, s), coverage);
      depth += (s.match(/\{/g)?.length ?? 0) - (s.match(/\}/g)?.length ?? 0);
    }
  }
}

function statement(s: string, line: () => number, coverage: Coverage): void {
  const del = DEL.exec(s);
  if (del) {
    coverage.mark(path(del[1]!), 'drops', line());
    return;
  }
  const assign = ASSIGN.exec(s);
  if (!assign) return;
  const field = path(assign[1]!);
  const value = assign[2]!.trim();
  if (value === 'null') coverage.mark(field, 'drops', line());
  else if (/^redact!?\(/.test(value) || /^"[^"]*"$/.test(value) || /^sha[23]?!?\(|^md5!?\(/.test(value)) coverage.mark(field, 'redacts', line());
  else coverage.uncover(field);
}

/** The first line at or after `from` that holds `needle`: VRL sits in a multi-line string, so its lines are found in the text. */
function lineAfter(text: string, from: number, needle: string): number {
  const lines = text.split(/\r?\n/);
  for (let i = Math.max(0, from - 1); i < lines.length; i++) if (lines[i]!.includes(needle)) return i + 1;
  return from;
}

/** The line that opens a component: `[sinks.id]` in TOML, `  id:` under `sinks:` in YAML. */
function locator(text: string, format: 'yaml' | 'toml'): (section: string, id: string) => number {
  const lines = text.split(/\r?\n/);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return (section, id) => {
    if (format === 'toml') {
      const re = new RegExp(String.raw`^\s*\[${section}\.(?:${esc(id)}|"${esc(id)}")\]`);
      return lines.findIndex((l) => re.test(l)) + 1;
    }
    const start = lines.findIndex((l) => l.startsWith(`${section}:`));
    const re = new RegExp(String.raw`^\s+["']?${esc(id)}["']?:`);
    for (let i = start + 1; start >= 0 && i < lines.length; i++) {
      if (/^\S/.test(lines[i]!)) break;
      if (re.test(lines[i]!)) return i + 1;
    }
    return 0;
  };
}
