import { join } from 'node:path';
import { defineCollector, type InstanceContext } from '../../src/collector/contract.js';
import { LineageFold } from './judge/fold.js';
import { buildGraph } from './judge/graph.js';
import { deployedLineage, modelTest } from './judge/models.js';
import { LastNamed } from './judge/retention.js';
import { judgeRuns } from './judge/runs.js';
import { checkRetention } from './observe/check-retention.js';
import { deployedModels } from './observe/deployed-models.js';
import { InvalidEvents, readEvents } from './observe/read-events.js';
import { lineageReceiver, RECEIVER_PATH } from './observe/receiver.js';
import { SpoolWriter } from './observe/spool.js';
import { lineageDiagram } from './record/diagram.js';
import { lineageDraft } from './record/draft.js';
import { canonicalGraph } from './record/graph-json.js';
import { type LineageOptions, optionsSchema, payloadSchema } from './schema.js';

export type { LineageOptions } from './schema.js';

/** Invalid events cited, and incomplete runs and expired objects listed per rule, in a record; the rest are counted. */
const CITED = 10;
const LISTED = 50;

/** The receiver's spool folder: where `start` appends and every run (a snapshot too) reads. */
function spoolDir(ctx: InstanceContext<LineageOptions>): string {
  return ctx.resolvePath(ctx.options.receiver.spool ?? join('.lineage-spool', ctx.id));
}

/** The spool each started instance appends to, closed with it. */
const receivers = new WeakMap<object, SpoolWriter>();

export default defineCollector({
  type: 'lineage',
  version: '1.0.0',
  description:
    'Folds OpenLineage run events into a dataset-to-model lineage graph; checks deployed models have lineage, runs finish, and expired data is gone.',
  controls: ['PI1.1', 'PI1.2', 'C1.2', 'P4.2'],
  optionsSchema,
  payloadSchema,

  async start(ctx) {
    const receiver = ctx.options.receiver;
    if (!receiver.enabled) return;
    const spool = await SpoolWriter.open(spoolDir(ctx), ctx.clock);
    receivers.set(ctx, spool);
    ctx.http.route('POST', RECEIVER_PATH, lineageReceiver(receiver, spool, ctx.log));
    ctx.log.info({ path: `/collectors/${ctx.id}${RECEIVER_PATH}`, spool: spool.dir, token: receiver.token !== undefined }, 'receiving OpenLineage events');
  },

  async close(ctx) {
    await receivers.get(ctx)?.close();
    receivers.delete(ctx);
  },

  async *collect(ctx) {
    const o = ctx.options;
    const settings = { s3: o.s3, gcs: o.gcs };
    const deployedNames = await deployedModels(o.models, ctx.resolvePath);
    // Every run folds every source and the whole spool again: the record is the graph of all events so far, never a delta.
    const fold = new LineageFold();
    const invalid = new InvalidEvents(CITED);
    const sources = await readEvents(o.sources, spoolDir(ctx), { resolvePath: ctx.resolvePath, signal: ctx.signal, settings }, fold, invalid);

    const now = ctx.clock.now().getTime();
    const graph = buildGraph(fold, modelTest(o.models.namePatterns));
    const deployed = deployedLineage(fold, deployedNames);
    const runs = judgeRuns(fold, now, o.incompleteAfterHours, LISTED);
    const retention = await checkRetention(o.retention, new LastNamed(fold), { resolvePath: ctx.resolvePath, signal: ctx.signal, settings, now, keep: LISTED });

    yield lineageDraft({
      name: o.name ?? ctx.id,
      events: { folded: fold.folded, duplicates: fold.duplicates },
      invalid: { count: invalid.count, examples: invalid.examples },
      runs,
      incompleteAfterHours: o.incompleteAfterHours,
      graph,
      graphAttachment: await ctx.attach({ name: 'lineage-graph.json', mediaType: 'application/json', body: canonicalGraph(graph) }),
      diagram: await ctx.attach({ name: 'lineage.mmd', mediaType: 'text/vnd.mermaid', body: lineageDiagram(graph, deployed) }),
      deployed,
      sources,
      retention,
    });
  },
});
