import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { capturedLog } from '../../../test/helpers/captured-log.js';
import { filesUnder, tempDir } from '../../../test/helpers/tmp.js';
import { credentialEnvironment, gitUrl } from '../observe/credentials.js';
import { TestRepo } from './git-fixture.js';
import { GitHttpServer } from './git-http-server.js';
import { commitsOf, fixedClock, runTrail } from './run.js';

const run = promisify(execFile);
const TOKEN = 'ghs_firstToken0123456789abcdefABCDEF';
const ROTATED = 'ghs_rotatedToken0123456789abcdefABCD';

let server: GitHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The files under `dir` whose bytes contain `secret`. */
async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const held: string[] = [];
  for (const file of await filesUnder(dir)) {
    if ((await readFile(join(dir, file))).includes(secret)) held.push(file);
  }
  return held;
}

/** An upstream repository under `dir/served`, with one commit, served over HTTP with `TOKEN`. */
async function servedUpstream(dir: string): Promise<{ upstream: TestRepo; c1: string }> {
  const upstream = await TestRepo.create(join(dir, 'served', 'web'));
  // So the partial clone is partial here too, as on GitHub.
  await upstream.git(['config', 'uploadpack.allowFilter', 'true']);
  const c1 = await upstream.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
  server = await GitHttpServer.start(join(dir, 'served'), TOKEN);
  return { upstream, c1 };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('commit-trail on a remote repository that needs a token', () => {
  it('clones and fetches with the token, never writes it to disk, keeps the cache private, and goes on after the token is rotated', async () => {
    const dir = await tempDir();
    const { upstream, c1 } = await servedUpstream(dir);
    const first = capturedLog();
    const r1 = (
      await runTrail(dir, { repos: [{ url: server!.url('web', `x-access-token:${TOKEN}`) }] }, fixedClock('2026-02-02T00:00:00Z'), 'commits', {
        log: first.log,
      })
    ).records[0]!;
    expect(r1.status).toBe('pass');
    expect(r1.subject.id).toBe(`${server!.url('web')}#main`);
    expect(commitsOf(r1).map((c) => c.id)).toEqual([c1]);
    // git sent the token as a header from the first request on, so it never needed the URL's.
    expect(server!.authorizations.every((a) => a === `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`)).toBe(true);

    const caches = join(dir, '.commit-trail-cache');
    const [cache] = await filesUnder(caches).then((files) => [...new Set(files.map((f) => join(caches, f.split('/')[0]!)))]);
    expect(await filesHolding(dir, TOKEN)).toEqual([]);
    expect(first.text()).not.toContain(TOKEN);
    expect(await mode(caches)).toBe(0o700);
    expect(await mode(cache!)).toBe(0o700);
    expect((await run('git', ['-C', cache!, 'remote', 'get-url', 'origin'])).stdout.trim()).toBe(server!.url('web'));

    server!.token = ROTATED;
    const c2 = await upstream.commit({ message: 'two', at: '2026-02-02T10:00:00Z' });
    const second = capturedLog();
    const r2 = (
      await runTrail(dir, { repos: [{ url: server!.url('web', `x-access-token:${ROTATED}`) }] }, fixedClock('2026-02-03T00:00:00Z'), 'commits', {
        log: second.log,
      })
    ).records[0]!;
    expect(r2.findings).toEqual([]);
    expect(r2.status).toBe('pass');
    expect(commitsOf(r2).map((c) => c.id)).toEqual([c2]);
    expect(await filesHolding(dir, ROTATED)).toEqual([]);
    expect(second.text()).not.toContain(ROTATED);
  });

  it('takes the credentials out of a cache an earlier version cloned with them, and makes it private', async () => {
    const dir = await tempDir();
    const { upstream } = await servedUpstream(dir);
    // What earlier versions did: the URL with its token given to git clone, which keeps it in the config.
    const cache = join(dir, 'cache', 'web');
    await mkdir(join(dir, 'cache'));
    await run('git', ['clone', '-q', '--bare', '--filter=blob:none', '--no-tags', server!.url('web', `x-access-token:${TOKEN}`), cache]);
    expect(await filesHolding(cache, TOKEN)).toEqual(['config']);

    server!.token = ROTATED;
    const c2 = await upstream.commit({ message: 'two', at: '2026-02-02T10:00:00Z' });
    const r = (await runTrail(dir, { repos: [{ url: server!.url('web', `x-access-token:${ROTATED}`), cache: 'cache/web' }] })).records[0]!;
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.data.range).toMatchObject({ to: { commit: c2 } });
    expect(await filesHolding(dir, TOKEN)).toEqual([]);
    expect(await filesHolding(dir, ROTATED)).toEqual([]);
    expect(await mode(cache)).toBe(0o700);
  });

  it('reports a refused token without naming it', async () => {
    const dir = await tempDir();
    await servedUpstream(dir);
    const captured = capturedLog();
    const wrong = 'ghs_wrongToken0123456789abcdefABCDEFGH';
    const r = (await runTrail(dir, { repos: [{ url: server!.url('web', `x-access-token:${wrong}`) }] }, fixedClock(), 'commits', { log: captured.log }))
      .records[0]!;
    expect(r.status).toBe('error');
    expect(r.findings[0]!.message).toMatch(new RegExp(`^cannot fetch ${server!.url('web').replaceAll('.', '\\.')}: `));
    expect(JSON.stringify(r)).not.toContain(wrong);
    expect(captured.text()).not.toContain(wrong);
    expect(await filesHolding(dir, wrong)).toEqual([]);
  });

  it('hands git an ssh URL as configured, its user being the login, and credentials only for http(s)', () => {
    expect(gitUrl('ssh://git@github.com/acme/web.git')).toBe('ssh://git@github.com/acme/web.git');
    expect(credentialEnvironment('ssh://git@github.com/acme/web.git')).toEqual({});
    expect(gitUrl('git@github.com:acme/web.git')).toBe('git@github.com:acme/web.git');
    expect(gitUrl('https://x-access-token:t%2Fk@github.com/acme/web.git')).toBe('https://github.com/acme/web.git');
    expect(credentialEnvironment('https://x-access-token:t%2Fk@github.com/acme/web.git')).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:t/k').toString('base64')}`,
    });
  });
});
