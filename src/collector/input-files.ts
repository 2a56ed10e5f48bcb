import { INPUT_FILE_ANNOTATION, type PathSegment } from '../json-schema.js';

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The values of `options` that its schema marks as input files (INPUT_FILE_ANNOTATION), with where they are.
 * Follows `properties`, `additionalProperties`, `items` and the branches of `allOf`/`anyOf`/`oneOf`/`if`/`then`/
 * `else` (a branch the value does not take only finds what is there all the same), and `$ref`s inside the schema.
 * URLs (`s3://…`) are no local files and are left out.
 */
export function inputFileOptions(schema: unknown, options: unknown): { path: PathSegment[]; file: string }[] {
  const found = new Map<string, { path: PathSegment[]; file: string }>();
  const root = schema;
  const visit = (node: unknown, value: unknown, path: PathSegment[], depth: number): void => {
    if (!isNode(node) || value === undefined || depth > 64) return;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
      const target = node.$ref
        .slice(1)
        .split('/')
        .filter(Boolean)
        .reduce<unknown>((n, part) => (isNode(n) ? n[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
      visit(target, value, path, depth + 1);
    }
    if (node[INPUT_FILE_ANNOTATION] === 'file' && typeof value === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      found.set(JSON.stringify(path), { path, file: value });
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      if (Array.isArray(node[key])) for (const branch of node[key]) visit(branch, value, path, depth + 1);
    }
    for (const key of ['if', 'then', 'else'] as const) visit(node[key], value, path, depth + 1);
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(node.items, item, [...path, i], depth + 1);
      return;
    }
    if (!isNode(value)) return;
    const properties = isNode(node.properties) ? node.properties : {};
    for (const [k, v] of Object.entries(value)) {
      visit(k in properties ? properties[k] : node.additionalProperties, v, [...path, k], depth + 1);
    }
  };
  visit(schema, options, [], 0);
  return [...found.values()];
}
