import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';
import type { BuildIdentity } from '../record/types.js';

/** Set by the container image's deployment (deploy/): the digest of the image this agent runs from. */
export const IMAGE_DIGEST_ENV = 'EVIDENCE_AGENT_IMAGE_DIGEST';
/** Set by the image build (deploy/Dockerfile, `--build-arg GIT_COMMIT`): the commit it was built from, where no checkout is. */
export const GIT_COMMIT_ENV = 'EVIDENCE_AGENT_GIT_COMMIT';

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const IMAGE = /sha256:[0-9a-f]{64}$/;
const INTEGRITY = /^sha(256|384|512)-[A-Za-z0-9+/]+=*$/;

async function text(path: string): Promise<string | null> {
  return readFile(path, 'utf8').then(
    (t) => t.trim(),
    () => null,
  );
}

/** The commit checked out at the package root, read from `.git` without running git (a worktree's `.git` file included). */
async function checkoutCommit(root: string): Promise<string | undefined> {
  let gitDir = join(root, '.git');
  const pointer = await text(gitDir);
  if (pointer?.startsWith('gitdir: ')) gitDir = resolve(root, pointer.slice('gitdir: '.length));
  const head = await text(join(gitDir, 'HEAD'));
  if (!head) return undefined;
  if (COMMIT.test(head)) return head;
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const common = await text(join(gitDir, 'commondir'));
  for (const dir of common ? [gitDir, resolve(gitDir, common)] : [gitDir]) {
    const loose = await text(join(dir, ref));
    if (loose && COMMIT.test(loose)) return loose;
    const packed = (await text(join(dir, 'packed-refs')))?.split('\n').find((line) => line.endsWith(` ${ref}`));
    const commit = packed?.split(' ')[0];
    if (commit && COMMIT.test(commit)) return commit;
  }
  return undefined;
}

/** The integrity npm recorded for this package where it was installed (`<project>/node_modules/evidence-agent`). */
async function installedIntegrity(root: string): Promise<string | undefined> {
  let project = dirname(root);
  while (basename(project) === 'node_modules' || basename(project).startsWith('@')) project = dirname(project);
  const key = relative(project, root).split('\\').join('/');
  if (!key.startsWith('node_modules/')) return undefined;
  for (const lock of [join(project, 'node_modules', '.package-lock.json'), join(project, 'package-lock.json')]) {
    try {
      const parsed = JSON.parse((await text(lock)) ?? '') as { packages?: Record<string, { integrity?: unknown }> };
      const integrity = parsed.packages?.[key]?.integrity;
      if (typeof integrity === 'string' && INTEGRITY.test(integrity)) return integrity;
    } catch {
      // no lockfile there, or not JSON: try the next
    }
  }
  return undefined;
}

let cached: Promise<BuildIdentity> | undefined;

/**
 * Which bytes of the agent are running, beyond the package version: the git commit of a checkout (or the one
 * the image states), the npm integrity of an installed package, and the image digest its deployment states.
 * Read once per process: none of it changes while it runs.
 */
export function buildIdentity(env: NodeJS.ProcessEnv = process.env, root: string = PACKAGE_ROOT): Promise<BuildIdentity> {
  const compute = async (): Promise<BuildIdentity> => {
    const commit = (await checkoutCommit(root)) ?? (COMMIT.test(env[GIT_COMMIT_ENV] ?? '') ? env[GIT_COMMIT_ENV] : undefined);
    const integrity = await installedIntegrity(root);
    const image = IMAGE.exec(env[IMAGE_DIGEST_ENV] ?? '')?.[0];
    return { ...(commit ? { commit } : {}), ...(integrity ? { integrity } : {}), ...(image ? { image } : {}) };
  };
  if (env !== process.env || root !== PACKAGE_ROOT) return compute();
  cached ??= compute();
  return cached;
}
