import { defineCollector } from '../../src/collector/contract.js';
import { Classifier } from './judge/classify.js';
import { rangeVerdict } from './judge/verdict.js';
import { loadCatalog } from './observe/catalog-file.js';
import { scrubCredentials } from './observe/credentials.js';
import { planRange, windowEnd } from './observe/range.js';
import { allowedSignersFile } from './observe/signatures.js';
import { locationOf, openRepository, subjectId, tipPosition } from './observe/target.js';
import { readTrail } from './observe/trail.js';
import { readPositions } from './parse/positions.js';
import { rangeDraft } from './record/draft.js';
import { errorDraft } from './record/error.js';
import { optionsSchema, type Position, payloadSchema } from './schema.js';

export default defineCollector({
  type: 'commit-trail',
  version: '1.1.0',
  description: 'Which commits AI agents made on protected branches, whether a human other than the author reviewed each, and whether commits are signed.',
  controls: ['CC8.1', 'CC6.1'],
  optionsSchema,
  payloadSchema,

  async *collect(ctx) {
    const o = ctx.options;
    const catalog = await loadCatalog(ctx);
    const classifier = new Classifier(catalog.catalog, o.maintenanceBots);
    const end = windowEnd(o.window, ctx.clock);
    const now = Math.floor(ctx.clock.now().getTime() / 1000);
    const known = readPositions(ctx.previous?.data);
    // Every record carries every repository's position, so the newest record alone is enough to resume them all.
    const positions: Record<string, Position> = { ...known };

    for (const repo of o.repos) {
      ctx.signal.throwIfAborted();
      const location = locationOf(repo);
      let subject = subjectId(location, repo.branch ?? 'HEAD');
      let branch = repo.branch ?? null;
      try {
        const opened = await openRepository(ctx, repo);
        branch = opened.branch;
        subject = subjectId(location, branch);
        const allowedSigners = allowedSignersFile(ctx);
        const plan = await planRange({
          git: opened.git,
          branch,
          end,
          now,
          tip: opened.tip,
          previous: positions[subject],
          continuityLost: ctx.previous !== null && known === null,
          window: o.window,
        });
        const pass = await readTrail(ctx, { repo, opened, location, classifier, allowedSigners, period: { end, now } }, plan);
        const verdict = rangeVerdict(pass.plan, pass.totals);
        if (pass.plan.to) positions[subject] = pass.plan.to;
        yield rangeDraft(o, { location, branch, subject, url: opened.url, tip: tipPosition(opened) }, pass, verdict, positions, catalog);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        ctx.log.warn({ repository: location, error: scrubCredentials((err as Error).message) }, 'repository could not be read');
        yield errorDraft(subject, location, branch, err as Error, positions);
      }
    }
  },
});
