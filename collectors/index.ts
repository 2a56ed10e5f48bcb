import type { CollectorCatalog } from '../src/collector/registry.js';

/** The built-in collectors, each imported only when a config uses it. */
export const builtinCollectors: CollectorCatalog = {
  'commit-trail': () => import('./commit-trail/index.js'),
  'evidence-store': () => import('./evidence-store/index.js'),
  'model-signatures': () => import('./model-signatures/index.js'),
  'policy-documents': () => import('./policy-documents/index.js'),
};
