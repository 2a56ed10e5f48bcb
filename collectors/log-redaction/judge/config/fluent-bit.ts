import { isMap, isSeq } from 'yaml';
import { type PipelineVerdict, unknownConfig } from '../verdict.js';
import { Coverage, globTest, regexTest } from './coverage.js';
import { child, entries, parseLinedYaml, scalars } from './yaml-lines.js';

interface Property {
  key: string;
  value: string;
  line: number;
}

interface Section {
  kind: 'filter' | 'output' | 'other';
  line: number;
  props: Property[];
}

const CLASSIC_SECTIONS = ['SERVICE', 'INPUT', 'FILTER', 'OUTPUT', 'PARSER', 'MULTILINE_PARSER', 'PLUGINS', 'UPSTREAM', 'NODE', 'CUSTOM'];

/**
 * Fluent Bit, classic (`[OUTPUT]` sections) or YAML (`pipeline:`): for each
 * output, the filters whose Match covers its records, in order, and whether
 * `record_modifier` (Remove_key, Allowlist_key) or `modify` (Remove,
 * Remove_wildcard, Remove_regex, Set) removes or masks every prompt field.
 */
export function analyseFluentBit(text: string, promptFields: readonly string[]): PipelineVerdict[] {
  const parsed = /^\s*\[/m.test(text) && !/^pipeline:/m.test(text) ? parseClassic(text) : parseYaml(text);
  if ('problem' in parsed) return unknownConfig(parsed.problem);
  const outputs = parsed.sections.filter((s) => s.kind === 'output');
  if (outputs.length === 0) return unknownConfig('no output: records go nowhere, or the outputs are in a file this one includes');
  const filters = parsed.sections.filter((s) => s.kind === 'filter');
  return outputs.map((output, i) => {
    const name = `${prop(output, 'alias') ?? prop(output, 'name') ?? 'output'} #${i + 1} (match ${prop(output, 'match') ?? prop(output, 'match_regex') ?? '-'})`;
    const tag = prop(output, 'match') ?? prop(output, 'match_regex') ?? '';
    const coverage = new Coverage(promptFields);
    for (const filter of filters.filter((f) => covers(f, tag))) apply(filter, coverage);
    const verdict = coverage.verdict(name, `output ${prop(output, 'name') ?? ''}`.trim(), [output.line, propLine(output, 'match')]);
    if (parsed.include && verdict.verdict === 'passes-prompts') {
      return {
        ...verdict,
        verdict: 'unknown',
        reason: `${verdict.reason} here, but filters may be in the included ${parsed.include.file}`,
        lines: [...verdict.lines, parsed.include.line].sort((a, b) => a - b),
      };
    }
    return verdict;
  });
}

const prop = (s: Section, key: string) => s.props.find((p) => p.key === key)?.value;
const propLine = (s: Section, key: string) => s.props.find((p) => p.key === key)?.line;

/** Whether a filter sees every record an output receives, judged from their Match patterns. */
function covers(filter: Section, outputMatch: string): boolean {
  const match = prop(filter, 'match');
  if (match !== undefined) return globTest(match)(outputMatch);
  const regex = prop(filter, 'match_regex');
  return regex !== undefined && regexTest(regex)(outputMatch);
}

function apply(filter: Section, coverage: Coverage): void {
  const name = prop(filter, 'name');
  if (name === 'record_modifier') {
    const allow = filter.props.filter((p) => p.key === 'allowlist_key' || p.key === 'whitelist_key');
    if (allow.length > 0) coverage.markMatching((f) => !allow.some((p) => p.value === f), 'drops', allow[0]!.line);
    for (const p of filter.props.filter((p) => p.key === 'remove_key')) coverage.mark(p.value, 'drops', p.line);
  } else if (name === 'modify') {
    // Conditions make a modify filter apply to some records only: it proves nothing about the others.
    if (filter.props.some((p) => p.key === 'condition')) return;
    for (const p of filter.props) {
      const [field = '', ...rest] = p.value.split(/\s+/);
      if (p.key === 'remove') coverage.mark(field, 'drops', p.line);
      else if (p.key === 'remove_wildcard') coverage.markMatching((f) => f.startsWith(field.replace(/\*$/, '')), 'drops', p.line);
      else if (p.key === 'remove_regex') coverage.markMatching(regexTest(field), 'drops', p.line);
      else if (p.key === 'set' && rest.length > 0) coverage.mark(field, 'redacts', p.line);
    }
  }
}

interface Parsed {
  sections: Section[];
  include?: { file: string; line: number };
}

function parseClassic(text: string): Parsed | { problem: string } {
  const sections: Section[] = [];
  let include: Parsed['include'];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([A-Z_]+)\]$/i.exec(line);
    if (header) {
      const kind = header[1]!.toUpperCase();
      if (!CLASSIC_SECTIONS.includes(kind)) return { problem: `line ${n}: unknown section [${header[1]}]` };
      sections.push({ kind: kind === 'FILTER' ? 'filter' : kind === 'OUTPUT' ? 'output' : 'other', line: n, props: [] });
      continue;
    }
    const includeLine = /^@INCLUDE\s+(\S+)$/i.exec(line);
    if (includeLine) {
      include ??= { file: includeLine[1]!, line: n };
      continue;
    }
    if (line.startsWith('@SET ')) continue;
    const kv = /^(\S+)\s+(.+)$/.exec(line);
    const section = sections.at(-1);
    if (!kv || !section) return { problem: `line ${n}: expected "[SECTION]" or "Key Value"` };
    section.props.push({ key: kv[1]!.toLowerCase(), value: kv[2]!.trim(), line: n });
  }
  return include ? { sections, include } : { sections };
}

function parseYaml(text: string): Parsed | { problem: string } {
  const parsed = parseLinedYaml(text);
  if ('problem' in parsed) return parsed;
  const pipeline = child(parsed.doc.contents, 'pipeline');
  if (!isMap(pipeline)) return { problem: 'no pipeline: not a Fluent Bit YAML config (nor a classic one: no [SECTION])' };
  const sections: Section[] = [];
  for (const [group, kind] of [
    ['filters', 'filter'],
    ['outputs', 'output'],
  ] as const) {
    const list = child(pipeline, group);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const props = entries(item).flatMap(([key, value]) =>
        scalars(value).map((s) => ({ key: key.toLowerCase(), value: s.value, line: parsed.lineOf(s.node) ?? 0 })),
      );
      sections.push({ kind, line: parsed.lineOf(item) ?? 0, props });
    }
  }
  const includes = scalars(child(parsed.doc.contents, 'includes'))[0];
  return includes ? { sections, include: { file: includes.value, line: parsed.lineOf(includes.node) ?? 0 } } : { sections };
}
