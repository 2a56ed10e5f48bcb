import type { EvidenceStore, ObjectVersion, StoreAudit } from '../store/types.js';
import type { VerifyProblem } from './problems.js';

const DAY_MS = 86_400_000;

/** The version of each key to verify: the oldest real one, since later versions can only be rewrites. */
export type VersionIndex = Map<string, ObjectVersion[]>;

/**
 * Lists every version of every object and reports keys that were written
 * more than once (a rewrite attempt, which some servers accept as a new
 * version) or hidden behind a delete marker.
 */
export async function indexVersions(audit: StoreAudit, prefixes: readonly string[], problems: VerifyProblem[]): Promise<VersionIndex> {
  const index: VersionIndex = new Map();
  for (const prefix of prefixes) {
    for await (const { key, versions } of audit.versions(prefix)) {
      index.set(key, versions);
      const real = versions.filter((v) => !v.deleteMarker);
      if (real.length > 1) {
        problems.push({
          kind: 'overwrite-attempt',
          key,
          message: `${real.length} versions: the key was written again after ${real[0]!.lastModified.toISOString()} (tampering attempt); the oldest version is the one verified`,
        });
      }
      if (versions.some((v) => v.deleteMarker)) {
        problems.push({ kind: 'delete-marker', key, message: 'hidden behind a delete marker (a deletion attempt); its locked version is still verified' });
      }
    }
  }
  return index;
}

export function oldestVersion(index: VersionIndex | undefined, key: string): ObjectVersion | undefined {
  return index?.get(key)?.find((v) => !v.deleteMarker);
}

/** Checks that an object is under compliance retention for at least the required days from its creation. */
export async function checkLock(store: EvidenceStore, key: string, version: ObjectVersion | undefined, problems: VerifyProblem[]): Promise<void> {
  const audit = store.audit;
  if (!audit) return;
  const lock = await audit.lock(key, version?.versionId);
  if (!lock.compliance) {
    problems.push({ kind: 'lock-missing', key, message: `not under compliance retention (lock mode: ${lock.mode ?? 'none'})` });
    return;
  }
  const created = version?.lastModified.getTime();
  const needed = created === undefined ? undefined : created + audit.retentionDays * DAY_MS - DAY_MS / 24;
  if (needed !== undefined && (!lock.retainUntil || lock.retainUntil.getTime() < needed)) {
    problems.push({
      kind: 'lock-too-short',
      key,
      message: `retained until ${lock.retainUntil?.toISOString() ?? 'never'}, less than ${audit.retentionDays} days after it was written (${version!.lastModified.toISOString()})`,
    });
  }
}
