import type { Identity } from '../schema.js';
import { Identities } from './identities.js';
import { parseTrailers, type Trailer } from './trailers.js';

export interface LogCommit {
  id: string;
  parents: string[];
  author: Identity;
  committer: Identity;
  /** Committer time, in seconds since the epoch. */
  time: number;
  trailers: Trailer[];
  /** The whole message when it mentions one of the parser's markers, else ''; read for agent markers, never recorded. */
  body: string;
  /** For a merge, the source branch its subject names (`Merge pull request #1 from acme/codex/fix`: `codex/fix`); else null. */
  branch: string | null;
}

/** The `--format` of the `git log` the parser reads, with `-z`. */
// Fields end in NUL, and -z ends each commit with one more, so a commit is FIELDS + 1 NULs.
export const LOG_FORMAT = `tformat:${['%H', '%P', '%an', '%ae', '%cn', '%ce', '%ct', '%(trailers:unfold,only)', '%B'].join('%x00')}%x00`;
const FIELDS = 9;
/** %H to %ct are decoded as one string and split: one decode per commit rather than one per field. */
const HEADER = 7;
const TRAILERS = 7;
const BODY = 8;

/**
 * Splits `git log -z` output with LOG_FORMAT into commits, across chunk
 * boundaries. Bodies are searched as bytes and decoded only when they
 * mention a marker: most are never needed, and never turned into strings.
 */
export class LogParser {
  /** Output of a commit not complete yet, and how many of its NULs it holds. */
  private carry: Buffer[] = [];
  private carryNuls = 0;
  private readonly markers: Buffer[];
  /** Where each field of the commit being read ends. */
  private readonly ends = new Array<number>(FIELDS + 1).fill(0);
  /** Where markers start in the buffer being parsed, ascending, and the first one not yet passed. */
  private hits: number[] = [];
  private hit = 0;

  constructor(
    markers: readonly string[] = [],
    private readonly identities = new Identities(),
  ) {
    this.markers = markers.map((m) => Buffer.from(m, 'utf8'));
  }

  /** Adds the commits that `chunk` completes to `out`, and returns `out`. */
  push(chunk: Buffer, out: LogCommit[] = []): LogCommit[] {
    let start = 0;
    if (this.carry.length > 0) {
      // Only the commit cut at the chunk boundary is copied, not the chunk; a commit longer than a chunk is gathered until complete.
      let at = -1;
      for (let found = 0; found < FIELDS + 1 - this.carryNuls; found++) {
        at = chunk.indexOf(0, at + 1);
        if (at < 0) {
          this.carry.push(chunk);
          this.carryNuls += found;
          return out;
        }
      }
      const joined = Buffer.concat([...this.carry, chunk.subarray(0, at + 1)]);
      this.carry = [];
      this.carryNuls = 0;
      this.parse(joined, 0, out);
      start = at + 1;
    }
    const tail = this.parse(chunk, start, out);
    if (tail.start < chunk.length) {
      this.carry.push(chunk.subarray(tail.start));
      this.carryNuls = tail.nuls;
    }
    return out;
  }

  /** Reads the complete commits of `buf` from `start`; returns where the incomplete rest begins and how many NULs it holds. */
  private parse(buf: Buffer, start: number, out: LogCommit[]): { start: number; nuls: number } {
    // One search per marker over the whole buffer; commits come in buffer order, so a cursor walks the sorted hits once.
    const hits = this.markers.flatMap((m) => occurrences(buf, m, start)).sort((a, b) => a - b);
    this.hits = hits;
    this.hit = 0;
    const ends = this.ends;
    for (;;) {
      let field = 0;
      // A byte loop: fields are short, and a native indexOf call per field costs more than scanning them.
      for (let pos = start; field <= FIELDS; field++) {
        while (pos < buf.length && buf[pos] !== 0) pos++;
        if (pos === buf.length) return { start, nuls: field };
        ends[field] = pos++;
      }
      if (ends[FIELDS] !== ends[FIELDS - 1]! + 1) throw new Error('unexpected git log output: a commit has more fields than the format asks for');
      out.push(this.commit(buf, start));
      start = ends[FIELDS]! + 1;
    }
  }

  end(): void {
    if (this.carry.length > 0) throw new Error('git log output ended in the middle of a commit');
  }

  /** Whether a marker starts inside [from, to); hits before `from` belong to commits already read. */
  private markedBetween(from: number, to: number): boolean {
    const hits = this.hits;
    while (this.hit < hits.length && hits[this.hit]! < from) this.hit++;
    return this.hit < hits.length && hits[this.hit]! < to;
  }

  private commit(chunk: Buffer, start: number): LogCommit {
    const ends = this.ends;
    // %H to %ct decoded as one string; author and committer are looked up by their `name\0email` slice of it.
    const header = chunk.toString('utf8', start, ends[HEADER - 1]);
    const h1 = header.indexOf('\0');
    const h2 = header.indexOf('\0', h1 + 1);
    const h3 = header.indexOf('\0', h2 + 1);
    const h4 = header.indexOf('\0', h3 + 1);
    const h5 = header.indexOf('\0', h4 + 1);
    const h6 = header.indexOf('\0', h5 + 1);
    const parents = header.slice(h1 + 1, h2);
    const trailersStart = ends[TRAILERS - 1]! + 1;
    const trailersEnd = ends[TRAILERS]!;
    const bodyStart = ends[BODY - 1]! + 1;
    const bodyEnd = ends[BODY]!;
    return {
      id: header.slice(0, h1),
      parents: parents === '' ? [] : parents.split(' '),
      author: this.identity(header, h2, h3, h4),
      committer: this.identity(header, h4, h5, h6),
      time: Number(header.slice(h6 + 1)),
      trailers: trailersEnd > trailersStart ? parseTrailers(chunk.toString('utf8', trailersStart, trailersEnd), this.identities) : [],
      body: this.markedBetween(bodyStart, bodyEnd) ? chunk.toString('utf8', bodyStart, bodyEnd) : '',
      branch: parents.includes(' ') ? mergedBranch(subjectOf(chunk, bodyStart, bodyEnd)) : null,
    };
  }

  /** The identity whose name ends at `nul`, between the separators before and after it. */
  private identity(header: string, before: number, nul: number, after: number): Identity {
    const key = header.slice(before + 1, after);
    return this.identities.find(key) ?? this.identities.add(key, header.slice(before + 1, nul), header.slice(nul + 1, after));
  }
}

function subjectOf(chunk: Buffer, start: number, end: number): string {
  const nl = chunk.indexOf(10, start);
  return chunk.toString('utf8', start, nl < 0 || nl > end ? end : nl);
}

// The subjects GitHub, GitLab and git itself give merges; a squash or rebase leaves no branch name behind.
const GITHUB_MERGE = /^Merge pull request #\d+ from [^/\s]+\/(\S+)/;
const GIT_MERGE = /^Merge (?:remote-tracking )?branch '([^']+)'/;

/** The source branch a merge subject names; a remote-tracking branch loses its remote (`origin/`). */
export function mergedBranch(subject: string): string | null {
  const github = GITHUB_MERGE.exec(subject);
  if (github) return github[1]!;
  const git = GIT_MERGE.exec(subject);
  if (!git) return null;
  return subject.startsWith('Merge remote-tracking') ? git[1]!.slice(git[1]!.indexOf('/') + 1) : git[1]!;
}

function occurrences(buf: Buffer, marker: Buffer, from: number): number[] {
  const at: number[] = [];
  for (let i = buf.indexOf(marker, from); i >= 0; i = buf.indexOf(marker, i + 1)) at.push(i);
  return at;
}
