import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { buildDemoRepository } from '../demo/repository.js';
import { commitsOf, runTrail } from './run.js';

describe('commit-trail demo repository', () => {
  it('builds the same history every time, with one agent commit that fails review', async () => {
    const dir = await tempDir();
    const path = await buildDemoRepository(join(dir, 'demo-repo'));
    expect(path).toBe(join(dir, 'demo-repo'));
    const first = (await runTrail(dir, { repos: [{ path: 'demo-repo', branch: 'main' }] })).records[0]!;
    expect(first.status).toBe('fail');
    expect(first.data.counts).toEqual({ agent: 5, assisted: 0, bot: 1, human: 5 });
    expect(first.data.families).toEqual({
      claude: { agent: 1, assisted: 0 },
      copilot: { agent: 1, assisted: 0 },
      codex: { agent: 1, assisted: 0 },
      amp: { agent: 1, assisted: 0 },
      cursor: { agent: 1, assisted: 0 },
    });
    expect(first.findings.map((f) => f.code)).toEqual(['agent-commit-unreviewed']);
    expect(commitsOf(first).find((c) => c.id === first.findings[0]!.ref)).toMatchObject({ tool: 'cursor', rule: 'author' });

    // Rebuilding yields identical ids, so the next run sees no rewrite and nothing new.
    await buildDemoRepository(join(dir, 'demo-repo'));
    const again = (await runTrail(dir, { repos: [{ path: 'demo-repo', branch: 'main' }] })).records[0]!;
    expect(again.status).toBe('pass');
    expect(again.data.range).toMatchObject({ from: { commit: first.findings[0]!.ref }, to: { commit: first.findings[0]!.ref }, basis: 'previous' });
  });
});
