import { readFileSync } from 'node:fs';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export type { ErrorObject, ValidateFunction };

/** A JSON Schema document, as collectors declare their options and payloads with (a plain object, or one built with TypeBox). */
export type JsonSchema = object;

// Both are CommonJS modules whose exports also carry themselves as `default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

/**
 * Annotations at the root of a payload schema for auditors' tools (evidence-schema/README.md, "Items and
 * ranges"). They assert nothing; naming them lets even a strict compile accept them.
 */
export const EVIDENCE_ANNOTATIONS = ['x-evidence-items', 'x-evidence-range'] as const;

/**
 * An annotation in a collector's options schema: `"x-evidence-input": "file"` on a string (or on the items of an
 * array of strings) says the value is the path of a file the collector reads as input (a ledger, a public key, a
 * CA bundle), whose SHA-256 every record then states. It asserts nothing about the value.
 */
export const INPUT_FILE_ANNOTATION = 'x-evidence-input';

export function createAjv(options: { useDefaults?: boolean; strict?: boolean } = {}): InstanceType<typeof Ajv2020> {
  // strictRequired would reject the common if/then pattern that requires a property declared elsewhere.
  const ajv = new Ajv2020({ allErrors: true, strict: options.strict ?? true, strictRequired: false, useDefaults: options.useDefaults ?? false });
  addFormats(ajv);
  for (const keyword of [...EVIDENCE_ANNOTATIONS, INPUT_FILE_ANNOTATION]) ajv.addKeyword({ keyword });
  return ajv;
}

export function readJsonSchema(path: string): JsonSchema {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
}

export type PathSegment = string | number;

export interface SchemaProblem {
  path: PathSegment[];
  message: string;
}

/** `collectors[0].options.paths`, the way a user would point at a key. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('') || '(top level)';
}

/** Ajv errors as paths to the offending key and a message; an unknown key is pointed at itself. */
export function schemaProblems(errors: ErrorObject[] | null | undefined, root: PathSegment[] = []): SchemaProblem[] {
  return (errors ?? []).map((e) => {
    const path: PathSegment[] = [...root];
    for (const seg of e.instancePath.split('/').slice(1)) {
      const key = seg.replaceAll('~1', '/').replaceAll('~0', '~');
      path.push(/^\d+$/.test(key) ? Number(key) : key);
    }
    if (e.keyword === 'additionalProperties') {
      path.push((e.params as { additionalProperty: string }).additionalProperty);
      return { path, message: 'unknown key' };
    }
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'enum') message += `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    return { path, message };
  });
}

/** One line per ajv error: `<path>: <message>`. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root: PathSegment[] = []): string[] {
  return schemaProblems(errors, root).map((p) => `${formatPath(p.path)}: ${p.message}`);
}
