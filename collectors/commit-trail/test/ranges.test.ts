import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { FileStore } from '../../../src/store/file-store.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { collectorOf } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import type { Position } from '../schema.js';
import { TestRepo } from './git-fixture.js';
import { codes, commitsOf, fixedClock, runTrail } from './run.js';

interface RangeData {
  range: { from: Position | null; to: Position | null; basis: string };
  counts: { agent: number; bot: number; human: number };
  positions: Record<string, Position>;
}

const dataOf = (r: EvidenceRecord) => r.data as unknown as RangeData;
const ids = (r: EvidenceRecord) =>
  commitsOf(r)
    .map((c) => c.id)
    .sort();

describe('commit-trail ranges', () => {
  it('resumes exactly where the last run ended, through empty windows and downtime, so ranges chain with no hole', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const c1 = await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    const c2 = await repo.commit({ message: 'two', at: '2026-02-02T10:00:00Z' });
    const c3 = await repo.commit({ message: 'three', at: '2026-02-03T10:00:00Z' });
    const options = { repos: [{ path: 'repo', branch: 'main' }], window: { days: 1 } };

    // First run: the window places the start, one day before the clock.
    const first = (await runTrail(dir, options, fixedClock('2026-02-03T12:00:00Z'))).records[0]!;
    expect(dataOf(first).range).toEqual({
      from: { commit: c2, time: '2026-02-02T10:00:00Z' },
      to: { commit: c3, time: '2026-02-03T10:00:00Z' },
      basis: 'days',
    });
    expect(ids(first)).toEqual([c3]);

    // Nothing new: an empty range that starts and ends where the last one ended.
    const empty = (await runTrail(dir, options, fixedClock('2026-02-03T13:00:00Z'))).records[0]!;
    expect(empty.status).toBe('pass');
    expect(dataOf(empty).range).toMatchObject({ from: { commit: c3 }, to: { commit: c3 }, basis: 'previous' });
    expect(dataOf(empty).counts).toEqual({ agent: 0, assisted: 0, bot: 0, human: 0 });
    expect(empty.summary).toMatch(/^No new commit reached main of repo since/);

    // Six days of downtime, far longer than the one-day window: the next range still starts at c3.
    const c4 = await repo.commit({ message: 'four', at: '2026-02-05T10:00:00Z' });
    const c5 = await repo.commit({ message: 'five', at: '2026-02-09T10:00:00Z' });
    const resumed = (await runTrail(dir, options, fixedClock('2026-02-10T00:00:00Z'))).records[0]!;
    expect(dataOf(resumed).range).toMatchObject({ from: { commit: c3 }, to: { commit: c5 }, basis: 'previous' });
    expect(ids(resumed)).toEqual([c4, c5].sort());

    const later = await repo.commit({ message: 'after the window', at: '2026-02-11T10:00:00Z' });

    const last = (await runTrail(dir, options, fixedClock('2026-02-12T00:00:00Z'))).records[0]!;
    expect(ids(last)).toEqual([later]);

    // The stream's records chain: each range starts where the one before ended, and together they hold every commit after c2.
    const all = [first, empty, resumed, last];
    for (let i = 1; i < all.length; i++) expect(dataOf(all[i]!).range.from).toEqual(dataOf(all[i - 1]!).range.to);
    expect(all.flatMap(ids).sort()).toEqual([c3, c4, c5, later].sort());
    expect(all.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(ids(first)).not.toContain(c1);
  });

  it('takes the whole history when no window is set, and honours since and until on a first run', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const c1 = await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    const c2 = await repo.commit({ message: 'two', at: '2026-02-02T10:00:00Z' });
    await repo.commit({ message: 'three', at: '2026-02-03T10:00:00Z' });

    const whole = (await runTrail(join(dir, 'a'), { repos: [{ path: join(dir, 'repo') }] })).records[0]!;
    expect(dataOf(whole).range).toMatchObject({ from: null, basis: 'history' });
    expect(commitsOf(whole)).toHaveLength(3);

    const windowed = (await runTrail(join(dir, 'b'), { repos: [{ path: join(dir, 'repo') }], window: { since: '2026-02-02', until: '2026-02-02T23:59:59Z' } }))
      .records[0]!;
    expect(dataOf(windowed).range).toMatchObject({ from: { commit: c1 }, to: { commit: c2 }, basis: 'since' });
    expect(ids(windowed)).toEqual([c2]);
  });

  it('keeps every repository of the stream on its own chain, even when another repository wrote the newest record', async () => {
    const dir = await tempDir();
    const a = await TestRepo.create(join(dir, 'a'));
    const b = await TestRepo.create(join(dir, 'b'));
    const a1 = await a.commit({ message: 'a1', at: '2026-02-01T10:00:00Z' });
    const b1 = await b.commit({ message: 'b1', at: '2026-02-01T10:00:00Z' });
    const options = {
      repos: [
        { path: 'a', branch: 'main' },
        { path: 'missing', branch: 'main' },
        { path: 'b', branch: 'main' },
      ],
    };
    const first = (await runTrail(dir, options, fixedClock('2026-02-02T00:00:00Z'))).records;
    expect(first.map((r) => r.status)).toEqual(['pass', 'error', 'pass']);
    expect(dataOf(first[2]!).positions).toEqual({
      'a#main': { commit: a1, time: '2026-02-01T10:00:00Z' },
      'b#main': { commit: b1, time: '2026-02-01T10:00:00Z' },
    });

    const a2 = await a.commit({ message: 'a2', at: '2026-02-02T10:00:00Z' });
    const second = (await runTrail(dir, options, fixedClock('2026-02-03T00:00:00Z'))).records;
    expect(dataOf(second[0]!).range).toMatchObject({ from: { commit: a1 }, to: { commit: a2 }, basis: 'previous' });
    expect(ids(second[0]!)).toEqual([a2]);
    expect(dataOf(second[2]!).range).toMatchObject({ from: { commit: b1 }, to: { commit: b1 } });
    // The error record carries the positions too, so a failing repository in last place loses nothing.
    expect(dataOf(second[1]!).positions['a#main']).toEqual({ commit: a2, time: '2026-02-02T10:00:00Z' });
  });

  it('flags a rewritten branch and still reports what is on it now', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    const c2 = await repo.commit({ message: 'two', at: '2026-02-02T10:00:00Z' });
    const c3 = await repo.commit({ message: 'three', at: '2026-02-03T10:00:00Z' });
    const options = { repos: [{ path: 'repo', branch: 'main' }] };
    await runTrail(dir, options, fixedClock('2026-02-04T00:00:00Z'));

    await repo.reset(c2);
    const replacement = await repo.commit({ message: 'three, again', at: '2026-02-04T10:00:00Z' });
    const r = (await runTrail(dir, options, fixedClock('2026-02-05T00:00:00Z'))).records[0]!;
    expect(r.status).toBe('fail');
    expect(codes(r)).toEqual([`history-rewritten:${c3}`]);
    expect(r.findings[0]!.severity).toBe('high');
    expect(ids(r)).toEqual([replacement]);
    expect(r.summary).toMatch(/rewritten/);
  });

  it('falls back to the time of the last position when its commit is gone from a recreated repository', async () => {
    const dir = await tempDir();
    const path = join(dir, 'repo');
    let repo = await TestRepo.create(path);
    await repo.commit({ message: 'old one', at: '2026-02-01T10:00:00Z' });
    const gone = await repo.commit({ message: 'old two', at: '2026-02-02T10:00:00Z' });
    const options = { repos: [{ path: 'repo', branch: 'main' }] };
    await runTrail(dir, options, fixedClock('2026-02-03T00:00:00Z'));

    await rm(path, { recursive: true, force: true });
    repo = await TestRepo.create(path);
    const before = await repo.commit({ message: 'new one', at: '2026-02-01T12:00:00Z' });
    const after = await repo.commit({ message: 'new two', at: '2026-02-03T10:00:00Z' });
    const r = (await runTrail(dir, options, fixedClock('2026-02-04T00:00:00Z'))).records[0]!;
    expect(codes(r)).toEqual([`history-rewritten:${gone}`]);
    expect(r.findings[0]!.message).toMatch(/no longer exists/);
    expect(dataOf(r).range).toMatchObject({ from: { commit: before }, to: { commit: after } });
  });

  it("resumes from its own last record past a failed run and the agent's notices, on later days and after a restart", async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const c1 = await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    const options = { repos: [{ path: 'repo', branch: 'main' }] };
    await runTrail(dir, options, fixedClock('2026-02-02T00:00:00Z'));

    // A later day: the same stream gets a failed run, then one that timed out, each recorded by the agent in a notice of
    // its own (each through a fresh writer, as after a restart).
    const store = new FileStore(join(dir, 'evidence'));
    const later = { store, configDir: dir, clock: fixedClock('2026-02-03T00:00:00Z'), id: 'commits' };
    const failing = collectorOf('commit-trail', async function* () {
      yield* [];
      throw new Error('killed half way');
    });
    await runCollectorOnce(failing, {}, later);
    const stalled = collectorOf('commit-trail', async function* (ctx) {
      await once(ctx.signal, 'abort');
      yield* [];
    });
    const notice = (await runCollectorOnce(stalled, {}, { ...later, timeoutMs: 100 })).records[0]!;
    expect(notice.seq).toBe(2);

    const c2 = await repo.commit({ message: 'two', at: '2026-02-03T10:00:00Z' });
    const r = (await runTrail(dir, options, fixedClock('2026-02-04T00:00:00Z'))).records[0]!;
    expect(r.seq).toBe(3);
    expect(codes(r)).toEqual([]);
    expect(dataOf(r).range).toMatchObject({ from: { commit: c1 }, to: { commit: c2 }, basis: 'previous' });
    expect(ids(r)).toEqual([c2]);
  });
});
