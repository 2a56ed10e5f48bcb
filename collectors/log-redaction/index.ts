import { defineCollector } from '../../src/collector/contract.js';
import { analyseConfig } from './judge/config/analyse.js';
import { judgeSource } from './judge/source.js';
import { readConfig } from './observe/config.js';
import { loadHmacKey } from './observe/hmac-key.js';
import { scanLogs } from './observe/scan/scan-logs.js';
import { optionsSchema, payloadSchema } from './schema.js';

export type { LogRedactionOptions } from './schema.js';

/** Hits a scan keeps per source: more than a record lists, so every kind's first hit is among them. */
const MAX_HITS = 1000;

export default defineCollector({
  type: 'log-redaction',
  version: '1.0.0',
  description:
    'Zero-retention inference: what inference and logging configs do with prompts, what sampled logs show, and where they disagree; never records a matched value.',
  controls: ['C1.1', 'C1.2', 'P4.2', 'CC6.7'],
  optionsSchema,
  payloadSchema,

  async *collect(ctx) {
    const o = ctx.options;
    o.patterns.forEach((p, i) => {
      try {
        new RegExp(p.regex);
      } catch (e) {
        throw new Error(
          `options.patterns[${i}].regex (${p.name}) is not a valid regular expression: ${(e as Error).message.split(': ').at(-1)}; fix it in the config`,
        );
      }
    });
    // The key is loaded only when some source has logs: a config-only run needs none and creates no state.
    const key = o.sources.some((s) => s.logs.length > 0)
      ? await loadHmacKey({
          env: process.env,
          ...(o.keyFile ? { keyFile: ctx.resolvePath(o.keyFile) } : {}),
          stateDir: ctx.resolvePath(o.stateDir ?? `.log-redaction/${ctx.id}`),
        })
      : null;
    for (const source of o.sources) {
      const input = await readConfig(source, ctx.resolvePath);
      const analysis = input ? analyseConfig(source, input, o) : null;
      const scan =
        key && source.logs.length > 0
          ? await scanLogs(source.logs, {
              promptFields: o.promptFields,
              patterns: o.patterns,
              sampleLines: o.sampleLines,
              seed: `${o.seed ?? ctx.id}/${source.name}`,
              key: key.key,
              resolvePath: ctx.resolvePath,
              settings: { s3: o.s3, gcs: o.gcs },
              signal: ctx.signal,
              maxHits: MAX_HITS,
            })
          : null;
      ctx.log.info({ source: source.name, verdicts: analysis?.pipelines.length ?? 0, lines: scan?.linesScanned ?? 0 }, 'log source checked');
      yield judgeSource({
        source,
        config: input ? { location: input.location } : null,
        analysis,
        scan,
        sampleLines: o.sampleLines,
        keyOrigin: key?.origin ?? null,
      });
    }
  },
});
