import type { JsonValue } from '../json.js';
import { HASH_PREFIX, sha256Hex } from '../record/hash.js';
import { parseStrictJson } from '../record/strict-json.js';
import type { EvidenceRecord } from '../record/types.js';
import { blobKey } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';

export interface ItemsAnnotation {
  path: string;
  id: string;
  attachment?: string;
}

export interface RangeAnnotation {
  from: string;
  to: string;
}

export interface EvidenceAnnotations {
  items?: ItemsAnnotation;
  range?: RangeAnnotation;
}

/** A payload schema whose annotations cannot be read; the message names its key and what to do. */
export class AnnotationError extends Error {
  override name = 'AnnotationError';
}

const REF = /^sha256:([0-9a-f]{64})$/;
const POINTER = /^(\/([^~/]|~[01])*)*$/;

/** Reads the annotations of the payload schema a record names (blobs/sha256/<hex>), once per schema; {} when it names none or has none. */
export class AnnotationReader {
  private readonly read = new Map<string, Promise<EvidenceAnnotations>>();

  constructor(private readonly store: EvidenceStore) {}

  of(record: EvidenceRecord): Promise<EvidenceAnnotations> {
    const ref = record.collector.payloadSchema;
    if (ref === undefined) return Promise.resolve({});
    let loading = this.read.get(ref);
    if (!loading) {
      loading = this.load(ref, `${record.stream}#${record.seq}`);
      this.read.set(ref, loading);
    }
    return loading;
  }

  private async load(ref: string, namedBy: string): Promise<EvidenceAnnotations> {
    const hex = REF.exec(ref)?.[1];
    if (!hex)
      throw new AnnotationError(`record ${namedBy} names payload schema "${ref}", which is not sha256:<64 hex>; run evidence-agent verify on this store`);
    const key = blobKey(hex);
    const bytes = await this.store.get(key);
    if (!bytes)
      throw new AnnotationError(`payload schema ${key}, named by record ${namedBy}, is missing from the store; run evidence-agent verify on this store`);
    if (HASH_PREFIX + sha256Hex(bytes) !== ref)
      throw new AnnotationError(`payload schema ${key} does not hash to its name; run evidence-agent verify on this store`);
    let schema: unknown;
    try {
      schema = parseStrictJson(bytes, 'the payload schema');
    } catch (err) {
      throw new AnnotationError(`payload schema ${key}: ${(err as Error).message}`);
    }
    return annotationsOf(schema, key);
  }
}

/** The two annotations at the root of a payload schema, checked for shape; `where` names the schema in errors. */
export function annotationsOf(schema: unknown, where: string): EvidenceAnnotations {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return {};
  const root = schema as Record<string, unknown>;
  const found: EvidenceAnnotations = {};
  const items = root['x-evidence-items'];
  if (items !== undefined) {
    const o = members(items, where, 'x-evidence-items', ['path', 'id'], ['attachment']);
    found.items = { path: o.path!, id: o.id!, ...(o.attachment !== undefined ? { attachment: o.attachment } : {}) };
  }
  const range = root['x-evidence-range'];
  if (range !== undefined) {
    const o = members(range, where, 'x-evidence-range', ['from', 'to'], []);
    found.range = { from: o.from!, to: o.to! };
  }
  return found;
}

function members(value: unknown, where: string, keyword: string, required: string[], optional: string[]): Record<string, string> {
  const bad = (why: string) => new AnnotationError(`payload schema ${where}: ${keyword} ${why}; see "Payload-schema annotations" in collectors/README.md`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('is not an object');
  const o = value as Record<string, unknown>;
  for (const name of Object.keys(o)) if (!required.includes(name) && !optional.includes(name)) throw bad(`has unknown member "${name}"`);
  const out: Record<string, string> = {};
  for (const name of [...required, ...optional]) {
    const v = o[name];
    if (v === undefined && optional.includes(name)) continue;
    if (typeof v !== 'string') throw bad(`.${name} is not a string`);
    // The attachment is a name, every other member a JSON Pointer.
    if (name !== 'attachment' && !POINTER.test(v)) throw bad(`.${name} "${v}" is not a JSON Pointer ("" or "/a/0")`);
    out[name] = v;
  }
  return out;
}

/** The value at a JSON Pointer (RFC 6901) in a value; undefined when nothing is there. */
export function atPointer(value: JsonValue, pointer: string): JsonValue | undefined {
  if (pointer === '') return value;
  if (!pointer.startsWith('/')) return undefined;
  let at: JsonValue | undefined = value;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(at)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      at = at[Number(token)];
    } else if (typeof at === 'object' && at !== null) {
      at = Object.hasOwn(at, token) ? at[token] : undefined;
    } else return undefined;
    if (at === undefined) return undefined;
  }
  return at;
}
