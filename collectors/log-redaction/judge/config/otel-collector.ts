import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { type PipelineVerdict, unknownConfig } from '../verdict.js';
import { Coverage, regexTest } from './coverage.js';
import { child, entries, keyNode, type LinedYaml, parseLinedYaml, scalars, scalarValue } from './yaml-lines.js';

const ATTRS = String.raw`(?:\w+\.)?attributes`;
const DELETE_KEY = new RegExp(String.raw`^delete_key\(\s*${ATTRS}\s*,\s*"([^"]+)"\s*\)$`);
const DELETE_MATCHING = new RegExp(String.raw`^delete_matching_keys\(\s*${ATTRS}\s*,\s*"([^"]+)"\s*\)$`);
const KEEP_KEYS = new RegExp(String.raw`^keep_keys\(\s*${ATTRS}\s*,\s*\[([^\]]*)\]\s*\)$`);
const SET_LITERAL = new RegExp(String.raw`^set\(\s*${ATTRS}\["([^"]+)"\]\s*,\s*("[^"]*"|nil)\s*\)$`);
const SET_OTHER = new RegExp(String.raw`^set\(\s*${ATTRS}\["([^"]+)"\]\s*,`);
const REPLACE = new RegExp(String.raw`^replace_(?:all_)?pattern\(\s*${ATTRS}\["([^"]+)"\]`);

/**
 * OpenTelemetry Collector YAML: each logs and traces pipeline that reaches an
 * exporter, and whether its processors, in order, remove or mask every prompt
 * attribute first (`redaction`, `attributes` delete/hash/update, `transform`
 * delete_key / delete_matching_keys / keep_keys / set / replace_pattern).
 */
export function analyseOtelCollector(text: string, promptAttributes: readonly string[]): PipelineVerdict[] {
  const parsed = parseLinedYaml(text);
  if ('problem' in parsed) return unknownConfig(parsed.problem);
  const root = parsed.doc.contents;
  const pipelines = child(child(root, 'service'), 'pipelines');
  if (!isMap(pipelines)) return unknownConfig('no service.pipelines: not an OpenTelemetry Collector config');
  const processors = child(root, 'processors');
  const verdicts: PipelineVerdict[] = [];
  for (const [name, pipeline, key] of entries(pipelines)) {
    const signal = name.split('/')[0];
    if (signal !== 'logs' && signal !== 'traces') continue;
    const exporters = scalars(child(pipeline, 'exporters')).map((e) => e.value);
    if (exporters.length === 0) continue;
    verdicts.push(judgePipeline(parsed, name, signal, pipeline, key, processors, exporters, promptAttributes));
  }
  if (verdicts.length === 0)
    return unknownConfig('no logs or traces pipeline with an exporter', [parsed.lineOf(keyNode(child(root, 'service'), 'pipelines')) ?? 0]);
  return verdicts;
}

function judgePipeline(
  y: LinedYaml,
  name: string,
  signal: 'logs' | 'traces',
  pipeline: Node | undefined,
  key: Node,
  processors: Node | undefined,
  exporters: string[],
  attrs: readonly string[],
): PipelineVerdict {
  const coverage = new Coverage(attrs);
  for (const { value: id, node } of scalars(child(pipeline, 'processors'))) {
    if (!isMap(processors) || !keyNode(processors, id)) {
      return { pipeline: name, verdict: 'unknown', reason: `processor ${id} is used but not defined under processors`, lines: [y.lineOf(node) ?? 0] };
    }
    const config = child(processors, id);
    const type = id.split('/')[0];
    if (type === 'redaction') redaction(y, config, keyNode(processors, id), coverage);
    else if (type === 'attributes') attributes(y, config, coverage);
    else if (type === 'transform') transform(y, config, signal, coverage);
  }
  const exportersNode = keyNode(pipeline, 'exporters');
  return coverage.verdict(name, `exporter ${exporters.join(', ')}`, [y.lineOf(key), y.lineOf(keyNode(pipeline, 'processors')), y.lineOf(exportersNode)]);
}

function redaction(y: LinedYaml, config: Node | undefined, key: Node | undefined, coverage: Coverage): void {
  const allowAll = scalarValue(child(config, 'allow_all_keys')) === true;
  const allowed = scalars(child(config, 'allowed_keys')).map((s) => s.value);
  const ignored = scalars(child(config, 'ignored_keys')).map((s) => s.value);
  const blocked = scalars(child(config, 'blocked_key_patterns')).map((s) => regexTest(s.value));
  const line = y.lineOf(keyNode(config, 'allowed_keys')) ?? y.lineOf(key);
  for (const attr of coverage.fields) {
    if (ignored.includes(attr)) continue;
    if (!allowAll && !allowed.includes(attr)) coverage.mark(attr, 'drops', line);
    else if (blocked.some((t) => t(attr))) coverage.mark(attr, 'redacts', y.lineOf(keyNode(config, 'blocked_key_patterns')));
  }
}

function attributes(y: LinedYaml, config: Node | undefined, coverage: Coverage): void {
  const actions = child(config, 'actions');
  if (!isSeq(actions)) return;
  for (const action of actions.items) {
    const kind = scalarValue(child(action, 'action'));
    const key = scalarValue(child(action, 'key'));
    const pattern = scalarValue(child(action, 'pattern'));
    const test = typeof key === 'string' ? (f: string) => f === key : typeof pattern === 'string' ? regexTest(pattern) : () => false;
    const line = y.lineOf(action);
    if (kind === 'delete') coverage.markMatching(test, 'drops', line);
    else if (kind === 'hash') coverage.markMatching(test, 'redacts', line);
    else if ((kind === 'update' || kind === 'upsert') && child(action, 'value') !== undefined) coverage.markMatching(test, 'redacts', line);
    else if ((kind === 'update' || kind === 'upsert' || kind === 'insert') && typeof key === 'string') coverage.uncover(key);
  }
}

function transform(y: LinedYaml, config: Node | undefined, signal: 'logs' | 'traces', coverage: Coverage): void {
  const groups = signal === 'logs' ? ['log_statements'] : ['trace_statements', 'span_statements'];
  for (const group of groups) {
    const node = child(config, group);
    if (!isSeq(node)) continue;
    for (const item of node.items) {
      // A group with conditions applies to some records only: it proves nothing about the others.
      if (isMap(item) && child(item, 'conditions') !== undefined) continue;
      const statements = isScalar(item) ? [{ value: String(item.value), node: item as Node }] : scalars(child(item, 'statements'));
      for (const s of statements) statement(s.value.trim(), y.lineOf(s.node), coverage);
    }
  }
}

function statement(text: string, line: number | undefined, coverage: Coverage): void {
  if (/\swhere\s/.test(text)) return;
  let m = DELETE_KEY.exec(text);
  if (m) {
    coverage.mark(m[1]!, 'drops', line);
    return;
  }
  m = DELETE_MATCHING.exec(text);
  if (m) {
    coverage.markMatching(regexTest(m[1]!, true), 'drops', line);
    return;
  }
  m = KEEP_KEYS.exec(text);
  if (m) {
    const kept = [...m[1]!.matchAll(/"([^"]+)"/g)].map((k) => k[1]);
    coverage.markMatching((f) => !kept.includes(f), 'drops', line);
    return;
  }
  m = SET_LITERAL.exec(text);
  if (m) {
    coverage.mark(m[1]!, m[2] === 'nil' ? 'drops' : 'redacts', line);
    return;
  }
  m = SET_OTHER.exec(text);
  if (m) {
    coverage.uncover(m[1]!);
    return;
  }
  m = REPLACE.exec(text);
  if (m) coverage.mark(m[1]!, 'redacts', line);
}
