import { createHash } from 'node:crypto';
import { createAjv, formatPath, schemaProblems } from '../../../src/json-schema.js';
import { canonicalize } from '../../../src/record/canonical-json.js';
import builtIn from './agents.json' with { type: 'json' };
import catalogSchema from './agents.schema.json' with { type: 'json' };

export type Confidence = 'high' | 'medium' | 'low';
export type MarkerKind = 'email' | 'email-pattern' | 'name' | 'name-pattern' | 'github-app' | 'trailer' | 'message' | 'subject-prefix' | 'branch-prefix';

export interface Source {
  url: string;
  checked: string;
  shows?: boolean;
}

export interface Marker {
  kind: MarkerKind;
  value: string;
  valuePattern?: string;
  example?: string;
  class?: 'agent' | 'assisted';
  confidence: Confidence;
  source: Source;
}

export interface CatalogEntry {
  id: string;
  name: string;
  family: string;
  vendor: string;
  toolNames?: string[];
  note?: string;
  markers: Marker[];
}

export interface CatalogRules {
  assistedTrailers?: { key: string; class: 'agent' | 'assisted'; confidence: Confidence; source: Source; forms?: string[] }[];
  noreplyLocalParts?: string[];
  githubApps?: { confidence: Confidence; note?: string };
  attribution?: { format: 'git-ai' | 'agent-trace'; ref: string; confidence: Confidence; source: Source }[];
}

export interface Catalog {
  version: string;
  entries: CatalogEntry[];
  rules?: CatalogRules;
}

/** The agents options, as the options schema declares them (see schema.ts). */
export interface AgentOptions {
  extraEmails: string[];
  extraNames: string[];
  extraTrailers: string[];
  entries?: CatalogEntry[];
  disable?: string[];
}

/** A catalog as applied to a run: the rules, and what an auditor needs to know which rules those were. */
export interface EffectiveCatalog {
  catalog: Catalog;
  /** SHA-256 of the RFC 8785 canonical JSON of `catalog`. */
  sha256: string;
  /** Where the entries came from: the built-in catalog, then a user's file, then inline entries and the legacy extras. */
  sources: string[];
  added: string[];
  replaced: string[];
  disabled: string[];
}

const validate = createAjv().compile<Catalog>(catalogSchema);

/** The id the legacy `extraEmails`, `extraNames` and `extraTrailers` options are mapped onto. */
export const EXTRA_ENTRY_ID = 'extra';

/** Checks a catalog against agents.schema.json; `where` names it in the error (a file path, or `agents.entries`). */
export function checkCatalog(value: unknown, where: string): Catalog {
  if (validate(value)) {
    for (const e of value.entries) for (const m of e.markers) compilePattern(m, `${where}: entry ${e.id}`);
    return value;
  }
  const problems = schemaProblems(validate.errors).map((p) => `${formatPath(p.path)}: ${p.message}`);
  throw new Error(`${where} is not a valid agent catalog (${problems.slice(0, 5).join('; ')}); see collectors/commit-trail/catalog/agents.schema.json`);
}

/** The regular expression of a pattern marker, so a broken one is a configuration error rather than a failed run. */
export function compilePattern(m: Marker, where: string): RegExp | null {
  const source = m.kind === 'email-pattern' || m.kind === 'name-pattern' ? m.value : (m.valuePattern ?? null);
  if (source === null) return null;
  try {
    return new RegExp(source, 'i');
  } catch (err) {
    throw new Error(`${where}: ${m.kind} marker ${JSON.stringify(source)} is not a valid regular expression: ${(err as Error).message}`);
  }
}

export function builtInCatalog(): Catalog {
  return checkCatalog(structuredClone(builtIn), 'the built-in catalog');
}

// The legacy options name no public source: the configuration is theirs.
const USER_SOURCE: Source = { url: 'config:agents', checked: 'configured' };

/** The legacy options as one entry of the catalog's shape (id `extra`), so they are hashed and recorded like any other. */
export function legacyEntry(o: AgentOptions): CatalogEntry | null {
  const markers: Marker[] = [
    ...o.extraEmails.map((value): Marker => ({ kind: 'email', value: value.toLowerCase(), confidence: 'high', source: USER_SOURCE })),
    ...o.extraNames.map((value): Marker => ({ kind: 'name', value, confidence: 'high', source: USER_SOURCE })),
    ...o.extraTrailers.map((t): Marker => {
      const colon = t.indexOf(':');
      if (colon < 0) return { kind: 'trailer', value: t.trim(), confidence: 'medium', source: USER_SOURCE };
      const value = t.slice(colon + 1).trim();
      return { kind: 'trailer', value: t.slice(0, colon).trim(), valuePattern: `^${escapeRegExp(value)}$`, confidence: 'medium', source: USER_SOURCE };
    }),
  ];
  if (markers.length === 0) return null;
  return { id: EXTRA_ENTRY_ID, name: 'Configured agent rules', family: EXTRA_ENTRY_ID, vendor: 'configuration', markers };
}

/**
 * The catalog a run applies: the built-in one, then the entries of a user's
 * file and the inline ones (an entry with a built-in id replaces it), the
 * legacy extras as entry `extra`, less the disabled ids. Disabling an id no
 * catalog has is an error, as a typo would otherwise leave the entry on.
 */
export function effectiveCatalog(o: AgentOptions, file: { path: string; catalog: Catalog } | null): EffectiveCatalog {
  const base = builtInCatalog();
  const byId = new Map(base.entries.map((e) => [e.id, e]));
  const builtInIds = new Set(byId.keys());
  const sources = [`built-in ${base.version}`];
  const added: string[] = [];
  const replaced: string[] = [];
  const merge = (entries: CatalogEntry[]) => {
    for (const e of entries) {
      if (builtInIds.has(e.id)) replaced.push(e.id);
      else added.push(e.id);
      byId.set(e.id, e);
    }
  };
  if (file) {
    merge(file.catalog.entries);
    sources.push(`file ${file.path} (${file.catalog.version})`);
  }
  if (o.entries && o.entries.length > 0) {
    merge(checkCatalog({ version: 'inline', entries: o.entries }, 'agents.entries').entries);
    sources.push('inline entries');
  }
  const legacy = legacyEntry(o);
  if (legacy) {
    merge([legacy]);
    sources.push('extraEmails/extraNames/extraTrailers');
  }
  const disabled = [...new Set(o.disable ?? [])];
  for (const id of disabled) {
    if (!byId.delete(id)) throw new Error(`agents.disable names "${id}", which no catalog entry has; known ids: ${[...byId.keys()].sort().join(', ')}`);
  }
  const catalog: Catalog = {
    version: file ? `${base.version}+${file.catalog.version}` : base.version,
    entries: [...byId.values()],
    ...(base.rules ? { rules: base.rules } : {}),
  };
  return {
    catalog,
    sha256: createHash('sha256').update(canonicalize(catalog)).digest('hex'),
    sources,
    added: added.filter((id) => byId.has(id)),
    replaced,
    disabled,
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The schema of one entry, its references resolved, for the `agents.entries` option. */
export function entrySchema(): object {
  const defs = (catalogSchema as { $defs: Record<string, unknown> }).$defs;
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') return resolve(defs[ref.replace('#/$defs/', '')]);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve(defs.entry) as object;
}
