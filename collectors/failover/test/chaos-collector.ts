/**
 * The chaos import alone, run through the real runner: a collector whose options are the failover collector's
 * `chaos` fragment and whose payload schema is the failover collector's own, so every imported record is
 * checked against the schema the real records are written under.
 */
import Type from 'typebox';
import { defineCollector } from '../../../src/collector/contract.js';
import { importedDrills } from '../observe/chaos/index.js';
import type { InCluster } from '../observe/chaos/litmus-kubernetes.js';
import { ChaosOptions } from '../observe/chaos/schema.js';
import { payloadSchema } from '../schema.js';

export function chaosCollector(inCluster: InCluster = { serviceAccountDir: '/nonexistent', host: undefined, port: undefined }) {
  return defineCollector({
    type: 'failover',
    version: '1.0.0',
    controls: ['A1.2', 'A1.3'],
    optionsSchema: Type.Object({ chaos: ChaosOptions }, { additionalProperties: false }),
    payloadSchema,
    collect: (ctx) => importedDrills(ctx, inCluster),
  });
}
