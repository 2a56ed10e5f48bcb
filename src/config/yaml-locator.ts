import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from '../json-schema.js';

/** Finds the line of the deepest node along a path; a key's own line when the path ends at a key. */
export function lineOf(doc: Document, counter: LineCounter, path: readonly PathSegment[]): number | undefined {
  const lineAt = (node: Node | null | undefined) => (node?.range ? counter.linePos(node.range[0]).line : undefined);
  let node = doc.contents as Node | null;
  let line = lineAt(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value === seg : p.key === seg));
      if (!pair) break;
      line = lineAt(pair.key as Node) ?? line;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as Node | null;
      if (!node) break;
      line = lineAt(node) ?? line;
    } else {
      break;
    }
  }
  return line;
}
