import { basename } from 'node:path';
import type { Finding, RecordDraft } from '../../src/collector/contract.js';
import type { PolicyDocument, PolicyDocumentsPayload, RequiredPolicy, UnreadableDocument } from './schema.js';

/** `Access_Control Policy.md` -> `access-control-policy-md`, so ids match however a file is named. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

export function matches(policy: RequiredPolicy, file: string): boolean {
  const name = basename(file);
  return policy.pattern ? globToRegExp(policy.pattern).test(name) : slug(name).includes(slug(policy.id));
}

export interface Observed {
  documents: readonly PolicyDocument[];
  /** Matched files with no fingerprint, and why. */
  unreadable: readonly UnreadableDocument[];
  unmatched: readonly string[];
}

/**
 * Judges the fingerprinted documents against the required policies: each must have a non-empty document.
 * A matched file that cannot be read fails the record too: the version of that policy in force is unknown.
 */
export function judgePolicies(setId: string, required: readonly (string | RequiredPolicy)[], observed: Observed): RecordDraft<PolicyDocumentsPayload> {
  const findings: Finding[] = observed.unmatched.map((pattern) => ({
    code: 'path-matched-nothing',
    severity: 'medium',
    message: `no file matches ${pattern}`,
    ref: pattern,
  }));
  for (const { path, reason } of observed.unreadable) {
    findings.push({ code: 'document-unreadable', severity: 'high', message: `${path} cannot be read: ${reason}`, ref: path });
  }
  const policies = required.map((r) => (typeof r === 'string' ? { id: r } : r));
  let missing = 0;
  const coverage = policies.map((policy) => {
    const doc = observed.documents.find((d) => matches(policy, d.path));
    if (!doc) {
      missing++;
      const unread = observed.unreadable.find((u) => matches(policy, u.path));
      findings.push({
        code: 'policy-missing',
        severity: 'high',
        message: unread
          ? `no readable document for the required ${policy.id} policy: ${unread.path} cannot be read (${unread.reason})`
          : `no document for the required ${policy.id} policy`,
        ref: policy.id,
      });
    } else if (doc.size === 0) {
      missing++;
      findings.push({ code: 'policy-empty', severity: 'high', message: `the ${policy.id} policy (${doc.path}) is empty`, ref: doc.path });
    }
    return { id: policy.id, document: doc?.path ?? null };
  });
  const count = observed.documents.length;
  const unreadable = observed.unreadable.length;
  const cannotBeRead = `${unreadable} matched ${unreadable === 1 ? 'file cannot' : 'files cannot'} be read`;
  const present = `All ${policies.length} required policies are present among ${count} fingerprinted documents`;
  return {
    subject: { kind: 'policy-set', id: setId },
    status: missing === 0 && unreadable === 0 ? 'pass' : 'fail',
    summary:
      missing > 0
        ? `${missing} of ${policies.length} required policies are missing or empty among ${count} documents.${unreadable > 0 ? ` ${cannotBeRead}.` : ''}`
        : unreadable > 0
          ? `${present}, but ${cannotBeRead}.`
          : `${present}.`,
    findings,
    data: { documents: [...observed.documents], unreadable: [...observed.unreadable], required: coverage },
  };
}
