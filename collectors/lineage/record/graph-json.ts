import { canonicalize } from '../../../src/record/canonical-json.js';
import type { LineageGraph } from '../judge/graph.js';

const CHUNK = 64 * 1024;

/**
 * The graph as RFC 8785 canonical JSON, streamed in chunks, so a large graph
 * is never one string in memory. The members of the top level come in
 * code-unit order and each element is canonical, so the bytes are exactly
 * `canonicalize(graph)`: their SHA-256 is the graph's hash.
 */
export async function* canonicalGraph(graph: LineageGraph): AsyncGenerator<Uint8Array> {
  const parts: string[] = ['{'];
  let size = 0;
  function* put(text: string): Generator<Uint8Array> {
    parts.push(text);
    size += text.length;
    if (size >= CHUNK) {
      yield Buffer.from(parts.join(''));
      parts.length = 0;
      size = 0;
    }
  }
  const members: [string, readonly unknown[] | string][] = [
    ['datasets', graph.datasets],
    ['edges', graph.edges],
    ['format', graph.format],
    ['jobs', graph.jobs],
  ];
  for (const [i, [key, value]] of members.entries()) {
    yield* put(`${i === 0 ? '' : ','}${JSON.stringify(key)}:`);
    if (typeof value === 'string') {
      yield* put(canonicalize(value));
      continue;
    }
    yield* put('[');
    for (const [k, item] of value.entries()) yield* put((k === 0 ? '' : ',') + canonicalize(item));
    yield* put(']');
  }
  parts.push('}');
  yield Buffer.from(parts.join(''));
}
