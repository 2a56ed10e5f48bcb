import type { SimpleGit } from 'simple-git';
import type { Clock } from '../../../src/collector/contract.js';
import { continuedRange, firstRange, type Lineage, type RangePlan, rangeAfterLostEnd, windowStart } from '../judge/range.js';
import { IsoTime } from '../parse/iso-time.js';
import type { Position, WindowOption } from '../schema.js';
import { commitExists, type DatedCommit, firstParentAt, isAncestor } from './history.js';

export interface RangeInput {
  git: SimpleGit;
  branch: string;
  /** End of the window, in seconds since the epoch. */
  end: number;
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
 * what that makes the range.
 */
export async function planRange(input: RangeInput): Promise<RangePlan> {
  const { git, previous } = input;
  const iso = new IsoTime();
  const position = (c: DatedCommit | null): Position | null => (c ? { commit: c.id, time: iso.format(c.seconds) } : null);
  const to = position(await firstParentAt(git, input.branch, input.end));

  if (previous) {
    if (!(await commitExists(git, previous.commit))) {
      const seconds = Math.floor(Date.parse(previous.time) / 1000);
      return rangeAfterLostEnd(previous, to, to ? position(await firstParentAt(git, to.commit, seconds)) : null, input.branch);
    }
    return continuedRange(previous, to, await lineage(git, previous, to), input.branch);
  }

  const { start, basis } = windowStart(input.window, input.end);
  const from = start !== null && to !== null ? position(await firstParentAt(git, to.commit, start - 1)) : null;
  return firstRange(from, to, basis, input.continuityLost);
}

async function lineage(git: SimpleGit, from: Position, to: Position | null): Promise<Lineage> {
  if (to === null || to.commit === from.commit) return 'same';
  if (await isAncestor(git, from.commit, to.commit)) return 'ahead';
  if (await isAncestor(git, to.commit, from.commit)) return 'behind';
  return 'diverged';
}
