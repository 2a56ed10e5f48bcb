import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { TestRepo } from './git-fixture.js';
import { commitsOf, fixedClock, runTrail } from './run.js';

describe('commit-trail on a repository given by URL', () => {
  it('clones it into the cache folder, fetches new commits on the next run, and resolves the default branch', async () => {
    const dir = await tempDir();
    const upstream = await TestRepo.create(join(dir, 'upstream'), 'trunk');
    const c1 = await upstream.commit({ message: 'one', at: '2026-02-01T10:00:00Z' }, 'trunk');
    const url = pathToFileURL(join(dir, 'upstream')).href;
    const options = { repos: [{ url, cache: 'cache/upstream' }] };

    const first = (await runTrail(dir, options, fixedClock('2026-02-02T00:00:00Z'))).records[0]!;
    expect(first.status).toBe('pass');
    expect(first.subject.id).toBe(`${url}#trunk`);
    expect(commitsOf(first).map((c) => c.id)).toEqual([c1]);
    expect(existsSync(join(dir, 'cache', 'upstream', 'HEAD'))).toBe(true);

    const c2 = await upstream.commit({ message: 'two', at: '2026-02-02T10:00:00Z' }, 'trunk');
    const second = (await runTrail(dir, options, fixedClock('2026-02-03T00:00:00Z'))).records[0]!;
    expect(commitsOf(second).map((c) => c.id)).toEqual([c2]);
    expect(second.data.range).toMatchObject({ from: { commit: c1 }, to: { commit: c2 } });
  });

  it('refuses a cache folder that holds a clone of another repository', async () => {
    const dir = await tempDir();
    for (const name of ['one', 'two']) {
      const repo = await TestRepo.create(join(dir, name));
      await repo.commit({ message: name, at: '2026-02-01T10:00:00Z' });
    }
    await runTrail(dir, { repos: [{ url: pathToFileURL(join(dir, 'one')).href, cache: 'shared' }] }, fixedClock(), 'one');
    const r = (await runTrail(dir, { repos: [{ url: pathToFileURL(join(dir, 'two')).href, cache: 'shared' }] }, fixedClock(), 'two')).records[0]!;
    expect(r.status).toBe('error');
    expect(r.findings[0]!.message).toMatch(/holds a clone of another repository/);
  });
});
