import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../package-root.js';

const ENTRY_POINTS: Readonly<Record<string, string>> = {
  'evidence-agent': packagePath('dist', 'src', 'index.js'),
  'evidence-agent/testing': packagePath('dist', 'src', 'testing.js'),
};

let registered = false;

/**
 * Lets a collector file anywhere (`use: ./my-collector.js`, a file in
 * /etc/evidence-agent, the container's /app) import `evidence-agent`: Node
 * resolves a bare name only from node_modules folders above the importing
 * file, which such a file has none of. A package that installs the agent
 * itself resolves it as usual; this answers only where that fails.
 */
export function resolveSelfReference(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        const entry = Object.hasOwn(ENTRY_POINTS, specifier) ? ENTRY_POINTS[specifier] : undefined;
        if (!entry) throw err;
        return { url: pathToFileURL(entry).href, format: 'module', shortCircuit: true };
      }
    },
  });
}
