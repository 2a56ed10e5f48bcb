import { readFile } from 'node:fs/promises';
import type { CollectorContext } from '../../../src/collector/contract.js';
import { type AgentOptions, checkCatalog, type EffectiveCatalog, effectiveCatalog } from '../catalog/catalog.js';
import type { CommitTrailOptions } from '../schema.js';

/** The catalog this run applies: the built-in one merged with the user's file (`agents.catalog`, relative to the config) and options. */
export async function loadCatalog(ctx: CollectorContext<CommitTrailOptions>): Promise<EffectiveCatalog> {
  const agents = ctx.options.agents as AgentOptions & { catalog?: string };
  if (!agents.catalog) return effectiveCatalog(agents, null);
  const path = ctx.resolvePath(agents.catalog);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(
      `agents.catalog: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix the path or remove the option`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`agents.catalog: ${path} is not JSON (${(err as Error).message})`);
  }
  return effectiveCatalog(agents, { path: agents.catalog, catalog: checkCatalog(value, `agents.catalog ${path}`) });
}
