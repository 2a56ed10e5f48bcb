import type { SimpleGit } from 'simple-git';
import type { Clock } from '../../../src/collector/contract.js';
import { continuedRange, firstRange, type Lineage, type RangePlan, rangeAfterLostEnd, windowRange, windowStart, withStart } from '../judge/range.js';
import { IsoTime } from '../parse/iso-time.js';
import type { Position, WindowOption } from '../schema.js';
import { commitExists, type DatedCommit, firstParentAt, isAncestor } from './history.js';

export interface RangeInput {
  git: SimpleGit;
  branch: string;
  /** End of the window, in seconds since the epoch. */
  end: number;
  /** The collection time, in seconds since the epoch. */
  now: number;
  /** The branch's tip as read at collection. */
  tip: DatedCommit;
  previous: Position | undefined;
  /** The collector has a previous record, but it does not say where its ranges ended. */
  continuityLost: boolean;
  window: WindowOption | undefined;
}

/** End of the window, in seconds since the epoch: `until`, else the agent's clock. */
export function windowEnd(window: WindowOption | undefined, clock: Clock): number {
  return Math.floor((window?.until ? Date.parse(window.until) : clock.now().getTime()) / 1000);
}

/**
 * Asks git what the range of one run needs: the branch's end at the window's
 * end, and where the previous range's end stands on it; judge/range decides
 * what that makes the range. A first range's start inside a window is left
 * to the pass (readTrail), which finds it without a walk of its own.
 */
export async function planRange(input: RangeInput): Promise<RangePlan> {
  const { git, previous } = input;
  const iso = new IsoTime();
  const position = (c: DatedCommit | null): Position | null => (c ? { commit: c.id, time: iso.format(c.seconds) } : null);
  // A window that ends now ends at the tip, whatever its commit time: a commit dated in the future has reached the
  // branch all the same, and picking the end by time would leave it out of every range until that date (the pass
  // reports its time). Only a window that ends in the past (`until`) ends by commit time.
  const end = input.end >= input.now ? input.tip : await firstParentAt(git, input.branch, input.end);
  const to = position(end);

  if (previous) {
    if (!(await commitExists(git, previous.commit))) {
      const seconds = Math.floor(Date.parse(previous.time) / 1000);
      return rangeAfterLostEnd(previous, to, to ? position(await firstParentAt(git, to.commit, seconds)) : null, input.branch);
    }
    return continuedRange(previous, to, await lineage(git, previous, to), input.branch);
  }

  const { start, basis } = windowStart(input.window, input.end);
  if (start === null || end === null || to === null) return firstRange(null, to, basis, input.continuityLost);
  return windowRange(to, end.seconds, start, basis, input.continuityLost);
}

/**
 * The plan with its start found by asking git, for a range whose signatures
 * must be read before the pass, or whose pass gave up before it reached the
 * start (commit times running backwards).
 */
export async function settleStart(git: SimpleGit, plan: RangePlan): Promise<RangePlan> {
  if (plan.startBefore === undefined || plan.to === null) return plan;
  const found = await firstParentAt(git, plan.to.commit, plan.startBefore - 1);
  return withStart(plan, found ? { commit: found.id, time: new IsoTime().format(found.seconds) } : null);
}

async function lineage(git: SimpleGit, from: Position, to: Position | null): Promise<Lineage> {
  if (to === null || to.commit === from.commit) return 'same';
  if (await isAncestor(git, from.commit, to.commit)) return 'ahead';
  if (await isAncestor(git, to.commit, from.commit)) return 'behind';
  return 'diverged';
}
