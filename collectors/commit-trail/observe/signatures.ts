import { existsSync } from 'node:fs';
import type { CollectorContext } from '../../../src/collector/contract.js';
import { parseSignatureStatuses, parseSigners } from '../parse/signature-status.js';
import type { CommitTrailOptions, SignatureStatus } from '../schema.js';
import type { LogRange } from './git-log.js';
import { gitClient, RepositoryProblem } from './repository.js';

/** The allowed signers file as configured, resolved; undefined when git's own setting applies. */
export function allowedSignersFile(ctx: CollectorContext<CommitTrailOptions>): string | undefined {
  const o = ctx.options;
  const allowedSigners = o.allowedSigners ? ctx.resolvePath(o.allowedSigners) : undefined;
  // git would quietly report every SSH signature as untrusted; a missing file is a configuration problem, not unsigned commits.
  if ((o.requireSigned || o.review.requireSigned) && allowedSigners && !existsSync(allowedSigners))
    throw new RepositoryProblem(`the allowed signers file ${allowedSigners} does not exist`);
  return allowedSigners;
}

/** Each commit's signature status, and the signer of each validly signed one (see parseSigners). */
export interface RangeSignatures {
  statuses: Map<string, SignatureStatus>;
  signers: Map<string, string>;
}

/**
 * `%G?` and `%GS` for the commits of a range, in one git call. Git runs the
 * verifier only for commits that carry a signature; the rest answer N at no cost.
 */
export async function signatureStatuses(dir: string, range: LogRange, allowedSigners: string | undefined, signal: AbortSignal): Promise<RangeSignatures> {
  const config = allowedSigners ? [`gpg.ssh.allowedSignersFile=${allowedSigners}`] : [];
  const git = gitClient(dir, signal, config);
  const out = await git.raw(['log', '--format=%H %G? %GS', range.to, ...(range.exclude ? [`^${range.exclude}`] : []), '--']);
  return { statuses: parseSignatureStatuses(out), signers: parseSigners(out) };
}
