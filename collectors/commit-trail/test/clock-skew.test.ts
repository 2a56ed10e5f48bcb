import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ALICE, BOB, TestRepo } from './git-fixture.js';
import { codes, commitsOf, detailOf, fixedClock, runTrail } from './run.js';

const CLAUDE = '\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';

/**
 * An agent change S, merged with a review by M1 and contained again in a
 * later branch merged without one by M2, but committed on a clock two hours
 * fast. git's date order then lists S before M1, so a pass that trusted it
 * would credit S to M2 and call it unreviewed.
 */
async function skewedHistory(dir: string): Promise<{ repo: TestRepo; root: string; s: string; m1: string; m2: string }> {
  const repo = await TestRepo.create(join(dir, 'repo'));
  const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
  const s = await repo.commit({ message: `Add cache${CLAUDE}`, at: '2026-02-01T12:00:00Z', parents: [root] }, 'agent');
  const t1 = await repo.commit({ message: 'Build on the cache', at: '2026-02-01T10:30:00Z', parents: [s] }, 'follow-up');
  const m1 = await repo.merge(s, { message: `Merge agent\n\nReviewed-by: ${BOB.name} <${BOB.email}>`, at: '2026-02-01T10:00:00Z', author: BOB });
  const m2 = await repo.merge(t1, { message: 'Merge follow-up', at: '2026-02-01T11:00:00Z', author: ALICE });
  return { repo, root, s, m1, m2 };
}

describe('commit-trail with commit times running backwards', () => {
  it('notices that date order put a commit before its merge and reads the whole history again in topological order', async () => {
    const dir = await tempDir();
    const { repo, s, m1, m2 } = await skewedHistory(dir);
    // The premise: git's default order does list S before M1.
    const order = (await repo.git(['log', '--format=%H', 'main'])).split('\n');
    expect(order.indexOf(s)).toBeLessThan(order.indexOf(m1));

    const { records } = await runTrail(dir, { repos: [{ path: repo.dir, branch: 'main' }] });
    const record = records[0]!;
    expect(detailOf(record, s)).toMatchObject({ class: 'agent', landedBy: m1, review: 'explicit' });
    expect(detailOf(record, m2)).toMatchObject({ landedBy: m2 });
    expect(codes(record)).toEqual([]);
    expect(record.status).toBe('pass');
  });

  it('reads a range with a start in topological order, so a skewed clock cannot pull in a commit the previous range covered', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const at = (seconds: number) => `${seconds} +0000`;
    let base = '';
    for (let i = 0; i < 4; i++) base = await repo.commit({ message: `base ${i}`, at: at(1_700_000_070 + 10 * i) });
    const c = await repo.commit({ message: `Add cache${CLAUDE}`, at: at(1_700_000_200), parents: [base] }, 'agent');
    // Work on the agent's change committed on a clock set back years: git's date-ordered walk gives up before it.
    let q = c;
    for (let i = 0; i < 3; i++) q = await repo.commit({ message: `Polish ${i}`, at: at(1_000_000_000 + i), parents: [q] }, 'polish');
    for (let i = 1; i <= 5; i++) await repo.commit({ message: `Main ${i}`, at: at(1_700_000_100 + 10 * i) });
    const e = await repo.merge(q, { message: `Merge polish\n\nReviewed-by: ${BOB.name} <${BOB.email}>`, at: at(1_700_000_300), author: BOB });
    const options = { repos: [{ path: repo.dir, branch: 'main' }], implicitReview: false };
    const first = (await runTrail(dir, options, fixedClock(1_700_000_350_000))).records[0]!;
    expect(detailOf(first, c)).toMatchObject({ landedBy: e, review: 'explicit' });

    const s = await repo.commit({ message: 'Build on the cache', at: at(1_700_000_250), parents: [c] }, 'follow-up');
    const tip = await repo.merge(s, { message: `Merge follow-up\n\nReviewed-by: ${BOB.name} <${BOB.email}>`, at: at(1_700_000_400), author: BOB });
    await repo.git(['commit-graph', 'write', '--reachable']);
    // The premise: in date order, git lists C in the range after E although C is an ancestor of E.
    expect((await repo.git(['log', '--format=%H', tip, `^${e}`])).split('\n')).toContain(c);

    const second = (await runTrail(dir, options, fixedClock(1_700_000_500_000))).records[0]!;
    expect(
      commitsOf(second)
        .map((x) => x.id)
        .sort(),
    ).toEqual([s, tip].sort());
    expect(codes(second)).toEqual([]);
  });
});
