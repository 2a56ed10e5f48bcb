import { readLedger } from '../../model-signatures/observe/ledger.js';

/** The deployed models to check: those the options name, then those of the model-signatures ledger, each once. */
export async function deployedModels(
  models: { deployed: readonly string[]; ledger?: string | undefined },
  resolvePath: (p: string) => string,
): Promise<string[]> {
  const names = [...models.deployed];
  if (models.ledger !== undefined) for (const entry of await readLedger(resolvePath(models.ledger))) names.push(entry.name);
  return [...new Set(names)];
}
