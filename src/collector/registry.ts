import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAjv, type SchemaProblem, schemaProblems, type ValidateFunction } from '../json-schema.js';
import { storedSchema } from './payload-schema.js';
import type { AnyCollector } from './runner.js';
import { resolveSelfReference } from './self-reference.js';

/** Built-in collectors by type, each loaded only when a config uses it. */
export type CollectorCatalog = Readonly<Record<string, () => Promise<unknown>>>;

export class CollectorLoadError extends Error {
  override name = 'CollectorLoadError';
}

const TYPE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ajv = createAjv({ useDefaults: true });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a collector's declaration, the way fastify checks a plugin's metadata on registration. */
export function checkCollector(value: unknown, source: string): AnyCollector {
  const problems: string[] = [];
  if (!isObject(value)) throw new CollectorLoadError(`${source}: does not export a collector object (got ${typeof value})`);
  if (typeof value.type !== 'string' || !TYPE.test(value.type)) problems.push('`type` must be a lowercase kebab-case name');
  if (typeof value.version !== 'string' || value.version === '') problems.push('`version` must be a non-empty string');
  if (!Array.isArray(value.controls) || !value.controls.every((c) => typeof c === 'string' && c !== '')) {
    problems.push('`controls` must be an array of control ids');
  }
  if (!isObject(value.optionsSchema)) problems.push('`optionsSchema` must be a JSON Schema object');
  else {
    try {
      ajv.compile(value.optionsSchema);
    } catch (err) {
      problems.push(`\`optionsSchema\` is not a valid JSON Schema: ${(err as Error).message}`);
    }
  }
  if (!isObject(value.payloadSchema)) problems.push('`payloadSchema` must be a JSON Schema (2020-12) object describing the `data` of its records');
  else {
    try {
      storedSchema(value.payloadSchema);
    } catch (err) {
      problems.push(`\`payloadSchema\` is ${(err as Error).message}`);
    }
  }
  if (typeof value.collect !== 'function') problems.push('`collect(ctx)` must be a function');
  for (const hook of ['start', 'close'] as const) {
    if (value[hook] !== undefined && typeof value[hook] !== 'function') problems.push(`\`${hook}\`, when present, must be a function`);
  }
  if (problems.length > 0) throw new CollectorLoadError(`${source}: invalid collector: ${problems.join('; ')}`);
  return value as unknown as AnyCollector;
}

function fromModule(mod: unknown, source: string): AnyCollector {
  const m = mod as { default?: unknown; collector?: unknown };
  let exported = m.collector ?? m.default;
  if (typeof exported === 'function' && typeof (exported as { prototype?: { collect?: unknown } }).prototype?.collect === 'function') {
    exported = new (exported as new () => unknown)();
  }
  return checkCollector(exported, source);
}

function isPath(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || isAbsolute(use) || use.startsWith('file:');
}

async function importPackage(name: string, configDir: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    // Not beside the agent: look it up from the config's folder, where the user installed it.
    const resolved = createRequire(join(configDir, 'package.json')).resolve(name);
    return import(pathToFileURL(resolved).href);
  }
}

/** Loads the collector named by a config entry's `use`: a built-in type, a file path or an npm package name. */
export async function loadCollector(use: string, configDir: string, catalog: CollectorCatalog): Promise<AnyCollector> {
  const builtin = Object.hasOwn(catalog, use) ? catalog[use] : undefined;
  let mod: unknown;
  let source: string;
  try {
    if (builtin) {
      source = `built-in collector ${use}`;
      mod = await builtin();
    } else if (isPath(use)) {
      resolveSelfReference();
      const url = use.startsWith('file:') ? use : pathToFileURL(resolve(configDir, use)).href;
      source = `collector file ${url}`;
      mod = await import(url);
    } else {
      source = `collector package ${use}`;
      resolveSelfReference();
      mod = await importPackage(use, configDir);
    }
  } catch (err) {
    const known = Object.keys(catalog).join(', ');
    throw new CollectorLoadError(
      `cannot load collector "${use}": ${(err as Error).message.split('\n')[0]}. Use a built-in type (${known}), a path starting with ./ or /, or an installed package name`,
      { cause: err },
    );
  }
  return fromModule(mod, source);
}

/** Validates (and fills defaults into a copy of) a collector's options; returns the options and the problems. */
export function checkOptions(collector: Pick<AnyCollector, 'optionsSchema'>, options: unknown): { options: unknown; problems: SchemaProblem[] } {
  const validate: ValidateFunction = ajv.compile(collector.optionsSchema);
  const copy: unknown = structuredClone(options ?? {});
  if (validate(copy)) return { options: copy, problems: [] };
  return { options: copy, problems: schemaProblems(validate.errors, ['options']) };
}
