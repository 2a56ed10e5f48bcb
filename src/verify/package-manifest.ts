import type { JsonValue } from '../json.js';
import { createAjv, describeErrors } from '../json-schema.js';
import { sha256Hex } from '../record/hash.js';
import { parseStrictJson } from '../record/strict-json.js';
import { parseRecordKey } from '../store/layout.js';
import { assertValidKey } from '../store/types.js';
import type { VerifyProblem } from './problems.js';

export const PACKAGE_SCHEMA = 'evidence-agent/package/v1';
export const MANIFEST_KEY = 'manifest.json';
export const VERIFY_GUIDE_KEY = 'VERIFY.md';
/**
 * A package holds the records from a selected one up to the head of its covering checkpoint when the head is at
 * most this many positions after it; beyond that it holds only the next record, and the selection says `truncated`.
 */
export const CONTINUITY_LIMIT = 1000;

/** One file of an evidence package, as its manifest lists it. */
export interface PackageFile {
  path: string;
  size: number;
  /** Lowercase hex, no prefix. */
  sha256: string;
}

/** One drawn sample: a record, or an item inside one (`itemId` is `<record hash>#<item id>`). */
export interface PackageSelection {
  key: string;
  hash: string;
  itemId?: string;
  /** Lowercase hex SHA-256 of `seed + ":" + (itemId ?? hash)`, the value the population was ordered by. */
  order: string;
  /** The oldest checkpoint of the record's agent whose head for its stream is at or after it; absent when none is. */
  checkpoint?: string;
  /** Only the next record is held on the way to that checkpoint's head (more than CONTINUITY_LIMIT positions away). */
  truncated?: true;
}

/** manifest.json at the root of an evidence package (`evidence-agent sample`); evidence-schema/README.md documents it. */
export interface PackageManifest {
  schema: typeof PACKAGE_SCHEMA;
  createdAt: string;
  agentVersion: string;
  /** `control` as the framework spells it; `soc2Controls` the SOC 2 ids it selected records by. */
  query: {
    store: string;
    from: string;
    to: string;
    framework: string;
    control: string;
    soc2Controls: string[];
    unit: 'record' | 'item';
    seed: string;
    size: number;
  };
  population: { rows: number; heads: JsonValue };
  selected: PackageSelection[];
  /** Every file of the package except manifest.json, sorted by path. */
  files: PackageFile[];
}

/** What a verify report says of the package it checked. */
export interface PackageSummary {
  selected: number;
  files: number;
  query: PackageManifest['query'] | null;
}

const HEX64 = '^[0-9a-f]{64}$';

// Members the verifier relies on are closed; the query and population describe the sampling and are read, not checked.
const MANIFEST_SCHEMA = {
  type: 'object',
  required: ['schema', 'createdAt', 'agentVersion', 'query', 'population', 'selected', 'files'],
  additionalProperties: false,
  properties: {
    schema: { const: PACKAGE_SCHEMA },
    createdAt: { type: 'string', format: 'date-time' },
    agentVersion: { type: 'string' },
    query: {
      type: 'object',
      required: ['store', 'from', 'to', 'framework', 'control', 'soc2Controls', 'unit', 'seed', 'size'],
      properties: {
        store: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        framework: { type: 'string' },
        control: { type: 'string' },
        soc2Controls: { type: 'array', items: { type: 'string' } },
        unit: { enum: ['record', 'item'] },
        seed: { type: 'string' },
        size: { type: 'integer', minimum: 0 },
      },
    },
    population: { type: 'object', required: ['rows', 'heads'], properties: { rows: { type: 'integer', minimum: 0 } } },
    selected: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'hash', 'order'],
        properties: {
          key: { type: 'string' },
          hash: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
          itemId: { type: 'string' },
          order: { type: 'string', pattern: HEX64 },
          checkpoint: { type: 'string', pattern: '^checkpoints/[^/]+/[0-9]{12}\\.json$' },
          truncated: { const: true },
        },
      },
    },
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'size', 'sha256'],
        additionalProperties: false,
        properties: { path: { type: 'string' }, size: { type: 'integer', minimum: 0 }, sha256: { type: 'string', pattern: HEX64 } },
      },
    },
  },
} as const;

const validate = createAjv().compile<PackageManifest>(MANIFEST_SCHEMA);

/**
 * Whether a root manifest.json says it is an evidence package. Read leniently on purpose: a package whose
 * manifest was tampered with must still be checked as a package, where strict parsing reports it.
 */
export function claimsPackage(bytes: Uint8Array): boolean {
  try {
    const schema = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { schema?: unknown } | null)?.schema;
    return typeof schema === 'string' && schema.startsWith('evidence-agent/package/');
  } catch {
    return false;
  }
}

/** What the manifest's own fields must agree on beyond its schema: file paths, selections and their order values. */
function crossCheck(manifest: PackageManifest): string[] {
  const found: string[] = [];
  let previous: string | undefined;
  manifest.files.forEach(({ path }, i) => {
    try {
      assertValidKey(path);
    } catch {
      found.push(`files[${i}].path ${JSON.stringify(path)} is not a relative path inside the package`);
    }
    if (path === MANIFEST_KEY) found.push(`files[${i}] lists ${MANIFEST_KEY}, which cannot hold its own hash`);
    if (previous !== undefined && !(previous < path)) found.push(`files[${i}].path ${path} is not after ${previous}: files must be sorted by path, each once`);
    previous = path;
  });
  const drawn = new Set<string>();
  manifest.selected.forEach((s, i) => {
    if (!parseRecordKey(s.key)) found.push(`selected[${i}].key ${JSON.stringify(s.key)} is not a record key`);
    if (s.itemId !== undefined && !s.itemId.startsWith(`${s.hash}#`)) found.push(`selected[${i}].itemId does not start with its record's hash and "#"`);
    const key = s.itemId ?? s.hash;
    if (drawn.has(key)) found.push(`selected[${i}] draws ${key} a second time`);
    drawn.add(key);
    const order = sha256Hex(`${manifest.query.seed}:${key}`);
    if (s.order !== order)
      found.push(`selected[${i}].order is ${s.order}, but SHA-256 of seed + ":" + ${s.itemId === undefined ? 'hash' : 'itemId'} is ${order}`);
  });
  return found;
}

/** The manifest read strictly; null when it does not parse or fit its schema. Problems are pushed against manifest.json. */
export function parseManifest(bytes: Uint8Array, problems: VerifyProblem[]): PackageManifest | null {
  const fault = (message: string) => problems.push({ kind: 'package-manifest', key: MANIFEST_KEY, message });
  let value: unknown;
  try {
    value = parseStrictJson(bytes, MANIFEST_KEY);
  } catch (err) {
    fault(`${(err as Error).message}; the package's file list cannot be trusted`);
    return null;
  }
  if (!validate(value)) {
    for (const message of describeErrors(validate.errors)) fault(`${message} (expected an ${PACKAGE_SCHEMA} manifest)`);
    return null;
  }
  // Still returned: its files are checked all the same, and a faulty path is simply not found.
  for (const message of crossCheck(value)) fault(message);
  return value;
}
