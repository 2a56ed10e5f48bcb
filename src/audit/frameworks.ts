import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAjv, describeErrors, type ValidateFunction } from '../json-schema.js';
import { packagePath } from '../package-root.js';

/**
 * Records name SOC 2 criteria in `controls`; the other frameworks are spoken through this
 * project's own crosswalks in evidence-schema/controls/ (see its README), never stored in records.
 */
export const FRAMEWORK_IDS = ['soc2', 'iso42001', 'iso27001', 'nist-ai-rmf', 'eu-ai-act'] as const;
export type FrameworkId = (typeof FRAMEWORK_IDS)[number];
export const DEFAULT_FRAMEWORK: FrameworkId = 'soc2';

/** The folder shipped in the package that holds the catalog, the crosswalks and their schemas. */
export const CONTROLS_DIR = packagePath('evidence-schema', 'controls');

/** The file of each framework inside CONTROLS_DIR: the SOC 2 catalog, or the crosswalk to the framework. */
export const FRAMEWORK_FILES: Readonly<Record<FrameworkId, string>> = {
  soc2: 'soc2.json',
  iso42001: 'soc2-to-iso42001.json',
  iso27001: 'soc2-to-iso27001.json',
  'nist-ai-rmf': 'soc2-to-nist-ai-rmf.json',
  'eu-ai-act': 'soc2-to-eu-ai-act.json',
};

export interface ControlEntry {
  id: string;
  title: string;
  /** The criterion's group (SOC 2 only), e.g. `Logical and physical access`. */
  category?: string;
}

export interface MappingTarget {
  id: string;
  /** One line of this project's own reasoning, not the framework's text. */
  rationale: string;
}

/** The SOC 2 catalog file (`soc2.json`), as its schema describes it. */
export interface CatalogFile {
  framework: 'soc2';
  name: string;
  official: false;
  notice: string;
  controls: { id: string; category: string; title: string }[];
}

/** A crosswalk file (`soc2-to-<framework>.json`), as its schema describes it. */
export interface CrosswalkFile {
  official: false;
  status: string;
  source: 'soc2';
  target: { framework: Exclude<FrameworkId, 'soc2'>; name: string; reference: string; scope: string };
  controls: { id: string; title: string }[];
  mappings: { source: string; targets: MappingTarget[]; note?: string }[];
}

export interface MappedControls {
  /** The framework's ids the record's controls map to, in the framework's order, each once. */
  ids: string[];
  /** The record's ids that map to nothing here: a third-party collector's own ids, or criteria the crosswalk leaves unmapped. Always empty under `soc2`. */
  unmapped: string[];
}

/** What `--control <id>` picks in a framework. */
export interface ControlSelection {
  /** The id as the framework spells it (`measure 2.7` typed, `MEASURE 2.7` here). */
  control: string;
  /** The SOC 2 ids a record must state to count for it; empty when no criterion maps to it. */
  soc2Ids: string[];
}

export interface Framework {
  readonly id: FrameworkId;
  readonly name: string;
  /** What the ids and titles are and are not (the file's `notice` or `status`), for reports to repeat. */
  readonly status: string;
  /** The file the framework was read from. */
  readonly file: string;
  /** Every id the file lists for the framework, in its order, with this project's titles. */
  readonly controls: readonly ControlEntry[];
  /** The id's title, when the file lists the id (spelled as the framework spells it). */
  title(id: string): string | undefined;
  /** The targets of one SOC 2 id with their rationale; under `soc2`, the id itself when it is in the catalog. */
  targetsOf(soc2Id: string): readonly MappingTarget[];
  /** A record's SOC 2 control ids, in this framework's ids (many to many). */
  map(soc2Ids: readonly string[]): MappedControls;
  /**
   * The SOC 2 ids that `--control <id>` selects. `stated`: ids that records of the store state; under `soc2`
   * they are accepted besides the catalog's (third-party collectors' own ids). Throws UnknownControlError.
   */
  select(id: string, stated?: Iterable<string>): ControlSelection;
}

export class UnknownFrameworkError extends Error {
  override readonly name = 'UnknownFrameworkError';
  constructor(
    readonly framework: string,
    readonly choices: readonly string[] = FRAMEWORK_IDS,
  ) {
    super(`unknown framework "${framework}": choose one of ${choices.join(', ')}`);
  }
}

export class UnknownControlError extends Error {
  override readonly name = 'UnknownControlError';
  constructor(
    readonly framework: FrameworkId,
    readonly control: string,
    readonly choices: readonly string[],
    file: string,
  ) {
    super(`unknown ${framework} control "${control}": choose one of ${choices.join(', ')} (listed in ${file})`);
  }
}

/** A catalog or crosswalk file that is missing, not JSON, against its schema or inconsistent with the catalog. */
export class ControlCatalogError extends Error {
  override readonly name = 'ControlCatalogError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}; fix the file (see evidence-schema/controls/README.md) or reinstall evidence-agent`);
  }
}

/** `undefined` (no `--framework`) is the default; anything else must be one of FRAMEWORK_IDS. */
export function parseFramework(value: string | undefined): FrameworkId {
  if (value === undefined) return DEFAULT_FRAMEWORK;
  const found = FRAMEWORK_IDS.find((id) => id === value.trim().toLowerCase());
  if (!found) throw new UnknownFrameworkError(value);
  return found;
}

const cache = new Map<string, Framework>();

/** The framework, read and checked once per folder. `dir` is for tests; the package's own files by default. */
export function loadFramework(framework: FrameworkId | string, options: { dir?: string } = {}): Framework {
  const id = parseFramework(framework);
  const dir = options.dir ?? CONTROLS_DIR;
  const key = `${dir}\0${id}`;
  let loaded = cache.get(key);
  if (!loaded) {
    const catalog = readCatalog(dir);
    loaded = id === 'soc2' ? soc2Framework(catalog, join(dir, FRAMEWORK_FILES.soc2)) : crosswalkFramework(id, catalog, dir);
    cache.set(key, loaded);
  }
  return loaded;
}

/** How a typed id is compared: case, spaces, `-`, `_` and `Article`/`Art.` do not matter. */
function lookupKey(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/^article\s*/, 'art.')
    .replace(/^art\.?\s*/, 'art.')
    .replace(/[\s_-]+/g, '');
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ControlCatalogError(file, [`cannot be read (${(err as Error).message})`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ControlCatalogError(file, [`is not JSON (${(err as Error).message})`]);
  }
}

// Compiling a schema costs far more than reading the files: once per schema file for the process.
const validators = new Map<string, ValidateFunction>();

function validated<T>(dir: string, name: string, schemaName: string): T {
  const file = join(dir, name);
  const value = readJson(file);
  const schemaFile = join(dir, schemaName);
  let validate = validators.get(schemaFile);
  if (!validate) {
    validate = createAjv().compile(readJson(schemaFile) as object);
    validators.set(schemaFile, validate);
  }
  if (!validate(value)) throw new ControlCatalogError(file, describeErrors(validate.errors));
  return value as T;
}

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}

function readCatalog(dir: string): CatalogFile {
  const catalog = validated<CatalogFile>(dir, FRAMEWORK_FILES.soc2, 'catalog.schema.json');
  const dup = duplicates(catalog.controls.map((c) => c.id));
  if (dup.length > 0) throw new ControlCatalogError(join(dir, FRAMEWORK_FILES.soc2), [`controls: ${dup.join(', ')} listed more than once`]);
  return catalog;
}

function soc2Framework(catalog: CatalogFile, file: string): Framework {
  const byKey = new Map(catalog.controls.map((c) => [lookupKey(c.id), c]));
  const byId = new Map(catalog.controls.map((c) => [c.id, c]));
  return {
    id: 'soc2',
    name: catalog.name,
    status: catalog.notice,
    file,
    controls: catalog.controls,
    title: (id) => byId.get(id)?.title,
    targetsOf: (soc2Id) => {
      const c = byId.get(soc2Id);
      return c ? [{ id: c.id, rationale: 'the criterion itself' }] : [];
    },
    map: (soc2Ids) => ({ ids: [...new Set(soc2Ids)], unmapped: [] }),
    select: (id, stated = []) => {
      const known = byKey.get(lookupKey(id));
      if (known) return { control: known.id, soc2Ids: [known.id] };
      const own = [...new Set(stated)].filter((s) => !byId.has(s));
      if (own.includes(id)) return { control: id, soc2Ids: [id] };
      throw new UnknownControlError('soc2', id, [...catalog.controls.map((c) => c.id), ...own.sort()], file);
    },
  };
}

function crosswalkFramework(id: Exclude<FrameworkId, 'soc2'>, catalog: CatalogFile, dir: string): Framework {
  const file = join(dir, FRAMEWORK_FILES[id]);
  const crosswalk = validated<CrosswalkFile>(dir, FRAMEWORK_FILES[id], 'crosswalk.schema.json');
  const problems: string[] = [];
  if (crosswalk.target.framework !== id) problems.push(`target.framework: is "${crosswalk.target.framework}", this file is for "${id}"`);
  const listed = new Map(crosswalk.controls.map((c) => [c.id, c]));
  const dupControls = duplicates(crosswalk.controls.map((c) => c.id));
  if (dupControls.length > 0) problems.push(`controls: ${dupControls.join(', ')} listed more than once`);
  const catalogIds = new Set(catalog.controls.map((c) => c.id));
  const dupSources = duplicates(crosswalk.mappings.map((m) => m.source));
  if (dupSources.length > 0) problems.push(`mappings: ${dupSources.join(', ')} mapped more than once`);
  crosswalk.mappings.forEach((m, i) => {
    if (!catalogIds.has(m.source)) problems.push(`mappings[${i}].source: "${m.source}" is not in the SOC 2 catalog (${FRAMEWORK_FILES.soc2})`);
    m.targets.forEach((t, j) => {
      if (!listed.has(t.id)) problems.push(`mappings[${i}].targets[${j}].id: "${t.id}" is not listed in controls`);
    });
    const dupTargets = duplicates(m.targets.map((t) => t.id));
    if (dupTargets.length > 0) problems.push(`mappings[${i}].targets: ${dupTargets.join(', ')} listed more than once`);
  });
  if (problems.length > 0) throw new ControlCatalogError(file, problems);

  const order = new Map(crosswalk.controls.map((c, i) => [c.id, i]));
  const targets = new Map(crosswalk.mappings.map((m) => [m.source, m.targets]));
  const byKey = new Map(crosswalk.controls.map((c) => [lookupKey(c.id), c]));
  const catalogOrder = new Map(catalog.controls.map((c, i) => [c.id, i]));
  return {
    id,
    name: crosswalk.target.name,
    status: crosswalk.status,
    file,
    controls: crosswalk.controls,
    title: (control) => listed.get(control)?.title,
    targetsOf: (soc2Id) => targets.get(soc2Id) ?? [],
    map: (soc2Ids) => {
      const ids = new Set<string>();
      const unmapped: string[] = [];
      for (const s of new Set(soc2Ids)) {
        const ts = targets.get(s) ?? [];
        if (ts.length === 0) unmapped.push(s);
        for (const t of ts) ids.add(t.id);
      }
      return { ids: [...ids].sort((a, b) => order.get(a)! - order.get(b)!), unmapped };
    },
    select: (control) => {
      const found = byKey.get(lookupKey(control));
      if (!found) throw new UnknownControlError(id, control, [...listed.keys()], file);
      const soc2Ids = crosswalk.mappings.filter((m) => m.targets.some((t) => t.id === found.id)).map((m) => m.source);
      return { control: found.id, soc2Ids: soc2Ids.sort((a, b) => catalogOrder.get(a)! - catalogOrder.get(b)!) };
    },
  };
}
