import type { BucketPosture } from './backend.js';

export interface RetentionSettings {
  mode: 'COMPLIANCE';
  days: number;
  perObject: boolean;
}

/**
 * What is wrong with a bucket for keeping evidence, each with how to fix it;
 * empty when every write will land under compliance retention of at least
 * `retention.days`.
 */
export function preflightProblems(
  posture: BucketPosture,
  retention: RetentionSettings,
  fixes: { versioning: string; objectLock: string; defaultRetention: string },
): string[] {
  const problems: string[] = [];
  if (!posture.versioning) problems.push(`versioning is not enabled on ${posture.url}. ${fixes.versioning}`);
  if (!posture.objectLock) problems.push(`Object Lock / retention is not enabled on ${posture.url}. ${fixes.objectLock}`);
  else if (retention.perObject) {
    if (!posture.perObjectRetention)
      problems.push(`retention.perObject is set but ${posture.url} does not accept retention on each object. ${fixes.objectLock}`);
  } else if (!posture.defaultRetention) {
    problems.push(`${posture.url} has no default retention, and retention.perObject is not set. ${fixes.defaultRetention}`);
  } else if (!posture.defaultRetention.compliance) {
    problems.push(`the default retention of ${posture.url} is not in COMPLIANCE mode (or not locked), so it can be lifted. ${fixes.defaultRetention}`);
  } else if (posture.defaultRetention.days < retention.days) {
    problems.push(
      `the default retention of ${posture.url} is ${posture.defaultRetention.days} days, shorter than retention.days (${retention.days}). ${fixes.defaultRetention}`,
    );
  }
  return problems;
}
