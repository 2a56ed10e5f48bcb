import { defineCollector } from '../../src/collector/contract.js';
import { judgeStore } from './judge.js';
import { optionsSchema, payloadSchema } from './schema.js';

export default defineCollector({
  type: 'evidence-store',
  version: '1.0.0',
  description: "Records the evidence store's own immutability: lock mode and retention, versioning, encryption, public access.",
  controls: ['CC6.1', 'A1.2'],
  optionsSchema,
  payloadSchema,

  async *collect(ctx) {
    yield judgeStore(await ctx.describeStore());
  },
});
