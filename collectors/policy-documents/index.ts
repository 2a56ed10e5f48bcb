import { defineCollector } from '../../src/collector/contract.js';
import { judgePolicies } from './judge.js';
import { findFiles, readDocuments } from './observe.js';
import { optionsSchema, payloadSchema } from './schema.js';

export default defineCollector({
  type: 'policy-documents',
  version: '1.1.0',
  description: 'Fingerprints policy documents and checks that the required policies exist and are not empty.',
  controls: ['CC1.4', 'CC2.2', 'CC5.3'],
  optionsSchema,
  payloadSchema,

  async *collect(ctx) {
    const { files, unmatched } = await findFiles(ctx.options.paths, ctx.configDir);
    ctx.signal.throwIfAborted();
    const { documents, unreadable } = await readDocuments(files, ctx.configDir);
    yield judgePolicies(ctx.id, ctx.options.required, { documents, unreadable, unmatched });
  },
});
