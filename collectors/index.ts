import type { AgentPlugins } from '../src/cli/plugins.js';
import { commitTrailReport } from './commit-trail/report.js';
import { failoverReport } from './failover/report.js';
import { lineageReport } from './lineage/report.js';
import { logRedactionReport } from './log-redaction/report.js';
import { modelCommands } from './model-signatures/cli.js';
import { modelSignaturesReport } from './model-signatures/report.js';

/** The built-in collectors, each imported only when a config uses it, the commands their families add and their report sections. */
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
  reports: [commitTrailReport, failoverReport, lineageReport, logRedactionReport, modelSignaturesReport],
};
