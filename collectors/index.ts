import type { AgentPlugins } from '../src/cli/plugins.js';
import { modelCommands } from './model-signatures/cli.js';

/** The built-in collectors, each imported only when a config uses it, and the commands their families add. */
export const builtins: AgentPlugins = {
  catalog: {
    'commit-trail': () => import('./commit-trail/index.js'),
    'evidence-store': () => import('./evidence-store/index.js'),
    failover: () => import('./failover/index.js'),
    lineage: () => import('./lineage/index.js'),
    'log-redaction': () => import('./log-redaction/index.js'),
    'model-signatures': () => import('./model-signatures/index.js'),
    'policy-documents': () => import('./policy-documents/index.js'),
  },
  commands: [modelCommands],
};
