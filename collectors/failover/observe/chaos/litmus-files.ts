import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { ChaosSourceError } from './fis.js';
import { chaosResultsIn } from './litmus-result.js';

/** The ChaosResult objects in exported YAML (one or more documents) or JSON files; JSON is YAML, so one parser reads both. */
export async function chaosResultsFromFiles(files: string[], resolvePath: (p: string) => string): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const file of files) {
    const path = resolvePath(file);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ChaosSourceError(
        err.code === 'ENOENT'
          ? `${path} does not exist: check chaos.litmus.files (export with kubectl get chaosresults -o yaml)`
          : `cannot read ${path}: ${err.code ?? err.message}; check its permissions`,
      );
    });
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new ChaosSourceError(`${path} is not valid YAML or JSON: ${doc.errors[0]?.message}; check chaos.litmus.files`);
      results.push(...chaosResultsIn(doc.toJS()));
    }
  }
  return results;
}
