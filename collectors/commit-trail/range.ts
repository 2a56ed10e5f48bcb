import type { SimpleGit } from 'simple-git';
import type { Finding } from '../../src/collector/contract.js';
import type { WindowOption } from './options.js';
import { IsoTime } from './iso-time.js';
import { commitExists, firstParentAt, isAncestor, type DatedCommit } from './repository.js';

/** Where a repository's last range ended, as every record of the stream carries it. */
export interface Position {
  commit: string;
  time: string;
}

/** How the start of a range was chosen. */
export type RangeBasis = 'previous' | 'since' | 'days' | 'history';

/** Commits reachable from `to` and not from `from`: the changes that reached the branch in the window. */
export interface RangePlan {
  from: Position | null;
  to: Position | null;
  basis: RangeBasis;
  findings: Finding[];
}

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

function windowStart(window: WindowOption | undefined, end: number): { start: number | null; basis: RangeBasis } {
  if (window?.since) return { start: Math.floor(Date.parse(window.since) / 1000), basis: 'since' };
  if (window?.days) return { start: end - Math.round(window.days * 86_400), basis: 'days' };
  return { start: null, basis: 'history' };
}

/**
 * Decides the range of one run. It continues from the previous range's end
 * whenever there is one, whatever the window says, so consecutive records
 * leave no hole even after downtime; the window only places the first range.
 */
export async function planRange(input: RangeInput): Promise<RangePlan> {
  const { git, previous } = input;
  const iso = new IsoTime();
  const position = (c: DatedCommit | null): Position | null => (c ? { commit: c.id, time: iso.format(c.seconds) } : null);
  const to = position(await firstParentAt(git, input.branch, input.end));
  const findings: Finding[] = [];

  if (previous) {
    const from = previous;
    if (!(await commitExists(git, from.commit))) {
      findings.push(rewritten(from.commit, input.branch, 'no longer exists in the repository'));
      const seconds = Math.floor(Date.parse(from.time) / 1000);
      return { from: to ? position(await firstParentAt(git, to.commit, seconds)) : null, to, basis: 'previous', findings };
    }
    if (to === null || to.commit === from.commit) return { from, to: from, basis: 'previous', findings };
    if (await isAncestor(git, from.commit, to.commit)) return { from, to, basis: 'previous', findings };
    // The window ends before the previous range did (an `until` moved back): nothing new to cover.
    if (await isAncestor(git, to.commit, from.commit)) return { from, to: from, basis: 'previous', findings };
    findings.push(rewritten(from.commit, input.branch, 'is no longer on the branch'));
    return { from, to, basis: 'previous', findings };
  }

  const { start, basis } = windowStart(input.window, input.end);
  if (input.continuityLost) {
    findings.push({
      code: 'range-restarted',
      severity: 'medium',
      message: `the previous record of this stream does not say where its range ended (it is an error record), so this range starts from the window (${basis}); it may overlap the last one or leave a gap`,
    });
  }
  const from = start !== null && to !== null ? position(await firstParentAt(git, to.commit, start - 1)) : null;
  return { from, to, basis, findings };
}

function rewritten(commit: string, branch: string, what: string): Finding {
  return {
    code: 'history-rewritten',
    severity: 'high',
    message: `${commit}, where the previous range ended, ${what}: ${branch} was rewritten (force-pushed or reset) since the last run`,
    ref: commit,
  };
}
