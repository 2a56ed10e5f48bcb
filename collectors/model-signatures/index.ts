import { defineCollector } from '../../src/collector/contract.js';
import { judgeModel } from './judge/judge-model.js';
import { readLedger } from './observe/ledger.js';
import { locateModel } from './observe/model-location.js';
import { observeModel } from './observe/observe-model.js';
import { loadPolicy } from './observe/signer-policy.js';
import { optionsSchema, payloadSchema } from './schema.js';

export type { ModelSignaturesOptions } from './schema.js';

export default defineCollector({
  type: 'model-signatures',
  version: '1.0.0',
  description: 'Verifies deployed model artifacts against their OpenSSF model signatures and the approved-models ledger.',
  controls: ['CC8.1', 'CC6.1', 'PI1.2'],
  optionsSchema,
  payloadSchema,

  async *collect(ctx) {
    const o = ctx.options;
    const policy = await loadPolicy(o.verify, ctx.resolvePath);
    const ledger = o.ledger ? await readLedger(ctx.resolvePath(o.ledger)) : null;
    for (const model of o.models) {
      const { path, signature } = locateModel(model, ctx.resolvePath);
      ctx.log.info({ model: model.name, path }, 'checking model signature');
      const observed = await observeModel(path, signature, {
        policy,
        ignorePaths: o.ignorePaths,
        signal: ctx.signal,
        concurrency: o.concurrency,
        s3: o.s3,
        gcs: o.gcs,
      });
      yield judgeModel(model.name, observed, { ledger, allowUnsignedFiles: o.allowUnsignedFiles });
    }
  },
});
