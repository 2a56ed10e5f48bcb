import type { LogCommit } from '../parse/log-parser.js';

export interface Landing<T> {
  /** The first-parent commit that brought the change onto the branch. */
  id: string;
  /** 0 for the newest commit of the range, growing towards older ones. */
  ordinal: number;
  info: T;
}

/**
 * Finds, for each commit of a `git log` stream, the first-parent commit that
 * landed it: itself when it is on the first-parent line (a direct commit, a
 * squash or a merge), else the oldest merge it is reachable from. Only the
 * frontier of commits still to come is held, so memory does not grow with
 * the length of history.
 *
 * That needs every commit after all of its children. A topological stream
 * guarantees it; a date-ordered one only when no commit is dated after one
 * of its children. A commit that comes too early either cannot be placed
 * (`place` returns null) or leaves a reference behind: its late child points
 * at it again, and it stays among `unresolved` although it is in the range.
 */
export class LandingTracker<T> {
  private nextFirstParent: string | null;
  private ordinal = 0;
  private readonly pending = new Map<string, Landing<T>>();

  constructor(
    tip: string,
    private readonly describe: (landing: LogCommit) => T,
  ) {
    this.nextFirstParent = tip;
  }

  /** Where `c` landed, or null when no commit seen so far has it as a parent. */
  place(c: LogCommit): Landing<T> | null {
    const direct = c.id === this.nextFirstParent;
    let landing = this.pending.get(c.id);
    if (landing) this.pending.delete(c.id);
    if (direct) {
      landing = { id: c.id, ordinal: this.ordinal++, info: this.describe(c) };
      this.nextFirstParent = c.parents[0] ?? null;
    } else if (!landing) {
      return null;
    }
    // A side commit belongs to the oldest merge it is reachable from: that merge brought it in, later ones only contain it.
    const parents = c.parents;
    for (let i = direct ? 1 : 0; i < parents.length; i++) {
      const known = this.pending.get(parents[i]!);
      if (!known || known.ordinal < landing.ordinal) this.pending.set(parents[i]!, landing);
    }
    return landing;
  }

  /** Commits referred to and not seen: the range's boundary, plus any commit that came before one of its children. */
  unresolved(): string[] {
    const ids = [...this.pending.keys()];
    if (this.nextFirstParent !== null) ids.push(this.nextFirstParent);
    return ids;
  }
}
