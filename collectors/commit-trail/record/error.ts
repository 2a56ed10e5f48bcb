import type { RecordDraft } from '../../../src/collector/contract.js';
import { scrubCredentials } from '../observe/credentials.js';
import type { CommitTrailPayload, Position } from '../schema.js';

/** The record of a repository that could not be read; it still carries every repository's position. */
export function errorDraft(
  subject: string,
  location: string,
  branch: string | null,
  err: Error,
  positions: Record<string, Position>,
): RecordDraft<CommitTrailPayload> {
  const message = scrubCredentials(err.message.split('\n')[0]!).slice(0, 1000);
  return {
    subject: { kind: 'git-repository', id: subject },
    status: 'error',
    summary: `The commit trail of ${location} could not be read: ${message}`,
    findings: [{ code: 'repository-unavailable', severity: 'high', message, ref: location }],
    data: { repository: { location, branch }, error: { message }, positions: { ...positions } },
  };
}
