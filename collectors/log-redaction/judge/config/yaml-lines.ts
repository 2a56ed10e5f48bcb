import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** A YAML document with the line of every node, or why it could not be parsed. */
export interface LinedYaml {
  doc: Document;
  lineOf(node: unknown): number | undefined;
}

export function parseLinedYaml(text: string): LinedYaml | { problem: string } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) return { problem: `not valid YAML at line ${counter.linePos(error.pos[0]).line}: ${error.code}` };
  if (!isMap(doc.contents)) return { problem: 'not a YAML mapping at the top level' };
  return {
    doc,
    lineOf: (node) => {
      const range = (node as Node | null | undefined)?.range;
      return range ? counter.linePos(range[0]).line : undefined;
    },
  };
}

/** The value node under a key of a mapping node; undefined when absent or not a mapping. */
export function child(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === key : false));
  return (pair?.value ?? undefined) as Node | undefined;
}

/** The key node of `key` in a mapping node, for its line. */
export function keyNode(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isScalar(p.key) && String(p.key.value) === key)?.key as Node | undefined;
}

/** The entries of a mapping node, keys as strings. */
export function entries(node: unknown): [string, Node | undefined, Node][] {
  if (!isMap(node)) return [];
  return node.items
    .filter((p) => isScalar(p.key))
    .map((p) => [String((p.key as { value: unknown }).value), (p.value ?? undefined) as Node | undefined, p.key as Node]);
}

/** Scalar items of a sequence node (or the scalar itself), each with its node. */
export function scalars(node: unknown): { value: string; node: Node }[] {
  if (isScalar(node) && node.value !== null) return [{ value: String(node.value), node }];
  if (isSeq(node)) return node.items.flatMap((item) => scalars(item));
  return [];
}

export function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}
