import type { Finding } from '../../../src/collector/contract.js';
import type { Position, RangePayload, WindowOption } from '../schema.js';

/** How the start of a range was chosen. */
export type RangeBasis = RangePayload['range']['basis'];

/** Commits reachable from `to` and not from `from`: the changes that reached the branch in the window. */
export interface RangePlan {
  from: Position | null;
  to: Position | null;
  basis: RangeBasis;
  findings: Finding[];
  /**
   * Set while `from` is still to be found: it is the newest commit on the
   * first-parent line of `to` committed before this time (seconds since the
   * epoch), or null when the line has none. The date-ordered pass finds it
   * while the line has no merge (WindowStart), with no walk of its own.
   */
  startBefore?: number;
}

/**
 * Where the branch's end stands against the previous range's end, which still
 * exists: `same` (also when the branch has no commit up to the window's end),
 * `ahead` (the previous end is its ancestor), `behind` (it is an ancestor of
 * the previous end), or `diverged`.
 */
export type Lineage = 'same' | 'ahead' | 'behind' | 'diverged';

/** Where the first range of a repository starts, in seconds since the epoch (null: the root), and why. */
export function windowStart(window: WindowOption | undefined, end: number): { start: number | null; basis: RangeBasis } {
  if (window?.since) return { start: Math.floor(Date.parse(window.since) / 1000), basis: 'since' };
  if (window?.days) return { start: end - Math.round(window.days * 86_400), basis: 'days' };
  return { start: null, basis: 'history' };
}

/**
 * A range that continues from the previous range's end, whatever the window
 * says, so consecutive records leave no hole even after downtime.
 */
export function continuedRange(previous: Position, to: Position | null, lineage: Lineage, branch: string): RangePlan {
  const from = previous;
  switch (lineage) {
    case 'same':
      return { from, to: from, basis: 'previous', findings: [] };
    case 'ahead':
      return { from, to, basis: 'previous', findings: [] };
    // The window ends before the previous range did (an `until` moved back): nothing new to cover.
    case 'behind':
      return { from, to: from, basis: 'previous', findings: [] };
    case 'diverged':
      return { from, to, basis: 'previous', findings: [rewritten(from.commit, branch, 'is no longer on the branch')] };
  }
}

/**
 * A range whose previous end no longer exists in the repository: it starts
 * from `restart`, the newest first-parent commit at or before that end's time.
 */
export function rangeAfterLostEnd(previous: Position, to: Position | null, restart: Position | null, branch: string): RangePlan {
  return { from: restart, to, basis: 'previous', findings: [rewritten(previous.commit, branch, 'no longer exists in the repository')] };
}

/**
 * The first range of a repository whose window starts at `start` (seconds):
 * empty when the branch's end is older than that, else left for the pass to
 * find its start.
 */
export function windowRange(to: Position, toSeconds: number, start: number, basis: RangeBasis, continuityLost: boolean): RangePlan {
  if (toSeconds < start) return firstRange(to, to, basis, continuityLost);
  return { ...firstRange(null, to, basis, continuityLost), startBefore: start };
}

/** The plan with its start settled: `from` (null: the root). */
export function withStart(plan: RangePlan, from: Position | null): RangePlan {
  const { startBefore: _, ...settled } = plan;
  return { ...settled, from };
}

/** A commit as WindowStart follows it: id, first parent first, committer time in seconds. */
export interface LineCommit {
  id: string;
  parents: string[];
  time: number;
}

/** What WindowStart makes of a commit of the line: the window's start, or a merge met before it. */
export type WindowMark = 'start' | 'merge';

/**
 * Follows the first-parent line of a range's end through a date-ordered pass
 * over the history, to the newest commit of the line committed before the
 * window's start. Up to the first merge such a pass lists the line alone, one
 * commit after the other; it is watched only that far.
 */
export class WindowStart {
  /** The next commit of the line, not listed yet; null once the line reached its root. */
  private next: string | null;

  constructor(
    to: string,
    private readonly before: number,
  ) {
    this.next = to;
  }

  /** Takes the next commit of the pass: `start` when it is the start (which the range excludes), `merge` at a merge before it. */
  see(c: LineCommit): WindowMark | null {
    if (c.id !== this.next) return null;
    if (c.time < this.before) return 'start';
    if (c.parents.length > 1) return 'merge';
    this.next = c.parents[0] ?? null;
    return null;
  }
}

/**
 * The first range of a repository: from `from`, the newest first-parent commit
 * before the window's start (null: the root). `continuityLost`: the stream has
 * a previous record, but it does not say where its ranges ended.
 */
export function firstRange(from: Position | null, to: Position | null, basis: RangeBasis, continuityLost: boolean): RangePlan {
  const findings: Finding[] = [];
  if (continuityLost) {
    findings.push({
      code: 'range-restarted',
      severity: 'medium',
      message: `the previous record of this stream does not say where its range ended (it is an error record), so this range starts from the window (${basis}); it may overlap the last one or leave a gap`,
    });
  }
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
