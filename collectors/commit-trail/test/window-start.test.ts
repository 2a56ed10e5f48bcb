import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import type { Position } from '../schema.js';
import { BOB, TestRepo } from './git-fixture.js';
import { codes, commitsOf, detailOf, runTrail } from './run.js';

const CLAUDE = '\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';
const rangeOf = (r: EvidenceRecord) => (r.data as unknown as { range: { from: Position | null; to: Position | null; basis: string } }).range;
const ids = (r: EvidenceRecord) =>
  commitsOf(r)
    .map((c) => c.id)
    .sort();

const home = process.env.HOME;
afterEach(() => {
  process.env.HOME = home;
});

/**
 * Makes every git command the run starts write a trace2 line `start git …` to
 * a file, through a global git config in a HOME of its own (the collector
 * passes HOME on to git, and no GIT_* variable), and returns the `log` and
 * `rev-list` commands, the ones that can walk history.
 */
async function traceGit(dir: string): Promise<() => Promise<string[]>> {
  const trace = join(dir, 'trace2.log');
  await mkdir(join(dir, 'home'));
  await writeFile(join(dir, 'home', '.gitconfig'), `[trace2]\n\tnormalTarget = ${trace}\n`);
  process.env.HOME = join(dir, 'home');
  return async () =>
    (await readFile(trace, 'utf8').catch(() => ''))
      .split('\n')
      .map((line) => / start git (.*)$/.exec(line)?.[1] ?? '')
      .filter((cmd) => / (log|rev-list) /.test(` ${cmd} `));
}

/** root, then a side commit X off it; A and B on main; M merges X in February. */
async function historyWithOldSideCommit(dir: string) {
  const repo = await TestRepo.create(join(dir, 'repo'));
  const root = await repo.commit({ message: 'root', at: '2026-01-01T10:00:00Z' });
  const x = await repo.commit({ message: `Old agent change${CLAUDE}`, at: '2026-01-02T10:00:00Z', parents: [root] }, 'side');
  const a = await repo.commit({ message: 'A', at: '2026-01-03T10:00:00Z' });
  const b = await repo.commit({ message: 'B', at: '2026-01-05T10:00:00Z' });
  const m = await repo.merge(x, { message: `Merge side\n\nReviewed-by: ${BOB.name} <${BOB.email}>`, at: '2026-02-10T10:00:00Z', author: BOB });
  return { repo, root, x, a, b, m };
}

/** What each history-walking git command of the run was: `rev-list`, `log` (date order) or `log --topo-order`. */
const kinds = (cmds: string[]) => cmds.map((cmd) => /(?:^| )(rev-list|log --topo-order|log) /.exec(cmd)?.[1]);

/** Five commits straight on main, one a day from 2026-02-01. */
async function linearHistory(dir: string): Promise<{ repo: TestRepo; made: string[] }> {
  const repo = await TestRepo.create(join(dir, 'repo'));
  const made: string[] = [];
  for (let day = 1; day <= 5; day++) made.push(await repo.commit({ message: `day ${day}`, at: `2026-02-0${day}T10:00:00Z` }));
  return { repo, made };
}

describe('commit-trail: where a first range starts', () => {
  it('reads a linear history that starts inside the window with one walk, and records it whole', async () => {
    const dir = await tempDir();
    const { repo, made } = await linearHistory(dir);
    const walks = await traceGit(dir);
    const r = (await runTrail(dir, { repos: [{ path: repo.dir, branch: 'main' }], window: { since: '2025-06-01' } })).records[0]!;
    expect(rangeOf(r)).toEqual({ from: null, to: { commit: made[4], time: '2026-02-05T10:00:00Z' }, basis: 'since' });
    expect(commitsOf(r).map((c) => c.id)).toEqual([...made].reverse());
    // A window that ends now ends at the branch's tip, read without a walk; the log is the one walk.
    expect(await walks()).toEqual([expect.stringMatching(/ log /)]);
  });

  it('records a history with merges that starts inside the window as without a window, going on from the first merge', async () => {
    const dir = await tempDir();
    const { repo, m } = await historyWithOldSideCommit(dir);
    const c = await repo.commit({ message: `C${CLAUDE}`, at: '2026-02-11T10:00:00Z' });
    await repo.commit({ message: 'D', at: '2026-02-12T10:00:00Z' });
    const options = { repos: [{ path: repo.dir, branch: 'main' }] };
    const whole = (await runTrail(join(dir, 'a'), options)).records[0]!;
    const walks = await traceGit(dir);
    const r = (await runTrail(join(dir, 'b'), { ...options, window: { since: '2025-06-01' } })).records[0]!;
    // The pass stops at the merge while git follows the line from it (and finds no start), then goes on from the merge.
    expect(kinds(await walks())).toEqual(['log', 'rev-list', 'log']);
    expect(rangeOf(r)).toEqual({ ...rangeOf(whole), basis: 'since' });
    expect(r.data).toEqual({ ...whole.data, range: rangeOf(r) });
    expect(r.findings).toEqual(whole.findings);
    expect(codes(r)).toEqual([`agent-commit-unreviewed:${c}`]);
    expect(detailOf(r, m)).toMatchObject({ landedBy: m });
  });

  it('reads a linear history whose window starts inside it with one walk, stopping at the start', async () => {
    const dir = await tempDir();
    const { repo, made } = await linearHistory(dir);
    const walks = await traceGit(dir);
    const r = (await runTrail(dir, { repos: [{ path: repo.dir, branch: 'main' }], window: { since: '2026-02-03' } })).records[0]!;
    expect(rangeOf(r)).toEqual({
      from: { commit: made[1], time: '2026-02-02T10:00:00Z' },
      to: { commit: made[4], time: '2026-02-05T10:00:00Z' },
      basis: 'since',
    });
    expect(commitsOf(r).map((c) => c.id)).toEqual([made[4], made[3], made[2]]);
    expect(kinds(await walks())).toEqual(['log']);
  });

  it('starts at the newest first-parent commit before the window, with what a merge in the window brought from before it', async () => {
    const dir = await tempDir();
    const { repo, x, b, m } = await historyWithOldSideCommit(dir);
    const options = { repos: [{ path: repo.dir, branch: 'main' }], window: { since: '2026-02-01' } };
    const walks = await traceGit(dir);
    const r = (await runTrail(dir, options)).records[0]!;
    // The pass stops at the merge, git finds the start from it, and the range after the start is read in topological order.
    expect(kinds(await walks())).toEqual(['log', 'rev-list', 'log --topo-order']);
    expect(rangeOf(r)).toEqual({ from: { commit: b, time: '2026-01-05T10:00:00Z' }, to: { commit: m, time: '2026-02-10T10:00:00Z' }, basis: 'since' });
    // X is older than B, and still in the range: only M brought it onto main.
    expect(ids(r)).toEqual([m, x].sort());
    expect(codes(r)).toEqual([]);

    // A window that starts after the branch's end: nothing to read.
    const late = (await runTrail(join(dir, 'late'), { ...options, window: { since: '2026-02-20' } })).records[0]!;
    expect(rangeOf(late)).toEqual({ from: rangeOf(late).to, to: { commit: m, time: '2026-02-10T10:00:00Z' }, basis: 'since' });
    expect(commitsOf(late)).toEqual([]);
  });

  it('finds the start behind a merge with a skewed clock, and with signatures required', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    // L2 is on the first-parent line, committed on a clock three hours fast: date order lists it
    // (through Y, its other child) before L1, its child on the line.
    const l2 = await repo.commit({ message: 'L2', at: '2026-02-01T12:00:00Z' });
    const y = await repo.commit({ message: `Y${CLAUDE}`, at: '2026-02-01T10:30:00Z', parents: [l2] }, 'side');
    const l1 = await repo.commit({ message: 'L1', at: '2026-02-01T10:00:00Z' });
    const tip = await repo.merge(y, { message: `Merge side\n\nReviewed-by: ${BOB.name} <${BOB.email}>`, at: '2026-02-01T11:00:00Z', author: BOB });
    const order = (await repo.git(['log', '--format=%H', 'main'])).split('\n');
    expect(order.indexOf(l2)).toBeLessThan(order.indexOf(l1));
    const options = { repos: [{ path: repo.dir, branch: 'main' }] };

    const walks = await traceGit(dir);
    const whole = (await runTrail(join(dir, 'a'), { ...options, window: { since: '2020-01-01' } })).records[0]!;
    // The pass stops at the merge, git finds no start, the pass goes on and meets the skew; the history is read again in topological order.
    expect(kinds(await walks())).toEqual(['log', 'rev-list', 'log', 'log --topo-order']);
    expect(rangeOf(whole)).toMatchObject({ from: null, to: { commit: tip }, basis: 'since' });
    expect(ids(whole)).toEqual([root, l2, y, l1, tip].sort());
    expect(detailOf(whole, l2)).toMatchObject({ landedBy: l2 });
    expect(detailOf(whole, y)).toMatchObject({ landedBy: tip, review: 'explicit' });

    const part = (await runTrail(join(dir, 'b'), { ...options, window: { since: '2026-02-01T09:30:00Z' } })).records[0]!;
    expect(rangeOf(part)).toMatchObject({ from: { commit: root }, to: { commit: tip } });
    expect(ids(part)).toEqual([l2, y, l1, tip].sort());

    const signed = (await runTrail(join(dir, 'c'), { ...options, window: { since: '2020-01-01' }, requireSigned: true })).records[0]!;
    expect(rangeOf(signed)).toMatchObject({ from: null, to: { commit: tip } });
    // L1 is dated before L2, its parent on the line: a clock was wrong, and the record says so.
    expect(codes(signed)).toEqual([...[root, l2, y, l1, tip].map((id) => `unsigned-commit:${id}`), `commit-time-backwards:${l1}`].sort());
  });
});
