import { defineCollector, type JsonValue, type RecordDraft } from '../../src/collector/contract.js';
import { Classifier } from './classify.js';
import { optionsSchema, type CommitTrailOptions } from './options.js';
import type { Position } from './range.js';
import { collectRange } from './record.js';
import { scrubCredentials } from './repository.js';
import { locationOf, openRepository, subjectId } from './target.js';

/** The end of every repository's last range, as the newest record of the stream carries them; null when it carries none. */
function readPositions(data: { [key: string]: JsonValue } | undefined): Record<string, Position> | null {
  const positions = data?.positions;
  if (typeof positions !== 'object' || positions === null || Array.isArray(positions)) return null;
  const out: Record<string, Position> = {};
  for (const [subject, p] of Object.entries(positions)) {
    if (typeof p === 'object' && p !== null && !Array.isArray(p) && typeof p.commit === 'string' && typeof p.time === 'string') {
      out[subject] = { commit: p.commit, time: p.time };
    }
  }
  return out;
}

function errorDraft(subject: string, location: string, branch: string | null, err: Error, positions: Record<string, Position>): RecordDraft {
  const message = scrubCredentials(err.message.split('\n')[0]!).slice(0, 1000);
  return {
    subject: { kind: 'git-repository', id: subject },
    status: 'error',
    summary: `The commit trail of ${location} could not be read: ${message}`,
    findings: [{ code: 'repository-unavailable', severity: 'high', message, ref: location }],
    data: { repository: { location, branch }, error: { message }, positions: { ...positions } as unknown as JsonValue },
  };
}

export default defineCollector<CommitTrailOptions>({
  type: 'commit-trail',
  version: '1.0.0',
  description: 'Which commits AI agents made on protected branches, whether a human other than the author reviewed each, and whether commits are signed.',
  controls: ['CC8.1', 'CC6.1'],
  optionsSchema,

  async *collect(ctx) {
    const o = ctx.options;
    const classifier = new Classifier(o.agents, o.maintenanceBots);
    const end = Math.floor((o.window?.until ? Date.parse(o.window.until) : ctx.clock.now().getTime()) / 1000);
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
        const result = await collectRange(ctx, {
          repo,
          opened,
          location,
          subject,
          classifier,
          end,
          previous: positions[subject],
          continuityLost: ctx.previous !== null && known === null,
        });
        if (result.position) positions[subject] = result.position;
        yield { ...result.draft, data: { ...result.draft.data, positions: { ...positions } as unknown as JsonValue } };
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        ctx.log.warn({ repository: location, error: scrubCredentials((err as Error).message) }, 'repository could not be read');
        yield errorDraft(subject, location, branch, err as Error, positions);
      }
    }
  },
});
