import { parseStrictJson } from '../record/strict-json.js';
// Type only: the TSA code and @sigstore are loaded by whoever builds the TsaTrust, never by verify itself.
import type { TsaTrust } from '../signing/timestamp.js';
import type { VerifyProblem } from './problems.js';

/** What `verify --tsa-certificates` checks checkpoints' RFC 3161 timestamps with. */
export interface TimestampCheck {
  trust: TsaTrust;
  /** How far a timestamp's time may be from the checkpoint's signed `createdAt`. */
  toleranceMs: number;
}

/** A checkpoint's timestamp, once checked: its time, null when it has none, undefined when it does not verify. */
export type CheckedTime = Date | null | undefined;

/**
 * Checks the RFC 3161 timestamp of a checkpoint bundle against the TSA certificates and its time against the
 * checkpoint's own `createdAt`: both are made by the agent within a second, so a gap means one of them is not what
 * the agent made then (a checkpoint re-signed later with an old `createdAt`, or a timestamp taken from elsewhere).
 */
export function checkTimestamp(bytes: Uint8Array, key: string, createdAt: string, check: TimestampCheck, problems: VerifyProblem[]): CheckedTime {
  let times: Date[];
  try {
    times = check.trust.verify(parseStrictJson(bytes, 'the checkpoint bundle'));
  } catch (err) {
    problems.push({
      kind: 'checkpoint-timestamp',
      key,
      message: (err as Error).name === 'TimestampError' ? (err as Error).message : `its timestamp does not read: ${(err as Error).message}`,
    });
    return undefined;
  }
  if (times.length === 0) return null;
  const signed = Date.parse(createdAt);
  for (const t of times) {
    const gap = t.getTime() - signed;
    if (Math.abs(gap) > check.toleranceMs) {
      problems.push({
        kind: 'checkpoint-timestamp-skew',
        key,
        message:
          `its signed createdAt is ${createdAt} but the TSA timestamped its signature at ${t.toISOString()}, ` +
          `${Math.round(Math.abs(gap) / 1000)} s ${gap > 0 ? 'later' : 'earlier'} (tolerance ${check.toleranceMs / 1000} s): ` +
          'the checkpoint was signed at another time than it says',
      });
    }
  }
  return times[0]!;
}

/**
 * A checkpoint without a timestamp (the TSA could not be reached when it was signed) is bounded in time by the next
 * timestamped checkpoint of its agent, whose payload names it through `prev`: a warning then. With none after it,
 * nothing outside the agent dates it: a problem.
 */
export function checkMissingTimestamps(
  agent: string,
  checkpoints: readonly { key: string; time: CheckedTime }[],
  problems: VerifyProblem[],
  warnings: string[],
): void {
  for (const [i, { key, time }] of checkpoints.entries()) {
    if (time !== null) continue;
    const later = checkpoints.slice(i + 1).find((c) => c.time instanceof Date);
    if (later) {
      warnings.push(
        `${key} carries no RFC 3161 timestamp (the TSA was not reached when it was signed); ${later.key}, timestamped at ` +
          `${(later.time as Date).toISOString()}, links back to it through its prev chain, so it existed by then`,
      );
    } else {
      problems.push({
        kind: 'checkpoint-timestamp-missing',
        key,
        message: `carries no RFC 3161 timestamp, and no later timestamped checkpoint of agent ${agent} links to it: nothing outside the agent dates it`,
      });
    }
  }
}
