import type { SignatureStatus } from '../schema.js';

const SIGNATURE: Record<string, SignatureStatus> = {
  G: 'good',
  B: 'bad',
  U: 'untrusted',
  X: 'expired',
  Y: 'expired-key',
  R: 'revoked',
  E: 'unverifiable',
  N: 'none',
};

/** Reads `git log --format='%H %G? %GS'` output: each commit's signature status, as a word. */
export function parseSignatureStatuses(out: string): Map<string, SignatureStatus> {
  const statuses = new Map<string, SignatureStatus>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) statuses.set(line.slice(0, space), SIGNATURE[line.slice(space + 1, space + 2)] ?? 'unverifiable');
  }
  return statuses;
}

/**
 * Reads the same output for the signer of each validly signed commit: the
 * principal the allowed signers file names for its key (an address), lowercased.
 */
export function parseSigners(out: string): Map<string, string> {
  const signers = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [id, status, ...signer] = line.split(' ');
    if (id && status === 'G' && signer.length > 0) signers.set(id, signer.join(' ').trim().toLowerCase());
  }
  return signers;
}
