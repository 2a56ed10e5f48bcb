import type { Detectors } from './detectors.js';
import type { Reservoir } from './sampler.js';
import type { Match } from './types.js';

const NEWLINE = 0x0a;

/**
 * The longest stretch of one line that is held and looked at at once. A longer line (a minified blob, a
 * runaway log statement) is read in windows of this size, cut after a space, comma, quote or brace where
 * there is one near the end, so memory stays flat; a match that straddles a cut, or a JSON line too long to
 * parse whole (read as text then), can be missed.
 */
export const LINE_WINDOW = 1 << 20;
/** How far back from a window's end a cut looks for a place between tokens. */
const CUT_SEARCH = 4096;
const CUT_AFTER = new Set([0x20, 0x2c, 0x22, 0x27, 0x7b, 0x7d, 0x09]);

export interface LineSink {
  /** Matches in line `line` (1-based in its location), the `index`th line of the source (0-based, across locations). */
  matches(line: number, index: number, found: Match[]): void;
}

export interface StreamCounts {
  lines: number;
  bytes: number;
}

/**
 * Scans one location's bytes. Complete lines in a chunk are handled in place: the prefilter runs over
 * them (or, when sampling, newlines are counted up to each line the reservoir takes), and only candidate
 * lines are decoded. Only an unfinished last line is carried to the next chunk.
 */
export class LineStream {
  private line = 1;
  private bytes = 0;
  private carry: Buffer | null = null;

  constructor(
    private readonly detectors: Detectors,
    private readonly reservoir: Reservoir | null,
    /** Lines of the source before this location: line `n` here is source index `firstIndex + n - 1`. */
    private readonly firstIndex: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    if (this.carry !== null) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) {
        this.carry = this.flushWindows(Buffer.concat([this.carry, chunk]));
        return;
      }
      this.examine(Buffer.concat([this.carry, chunk.subarray(0, nl)]));
      this.carry = null;
      this.line++;
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= pos) {
      if (this.reservoir === null) this.prefiltered(chunk, pos, last + 1);
      else this.sampled(chunk, pos, last + 1);
      pos = last + 1;
    }
    // A copy: a view would keep the whole chunk alive.
    if (pos < chunk.length) this.carry = this.flushWindows(Buffer.from(chunk.subarray(pos)));
  }

  /** Ends the location; an unterminated last line counts as a line. */
  end(): StreamCounts {
    if (this.carry !== null && this.carry.length > 0) {
      this.examine(this.carry);
      this.line++;
    }
    this.carry = null;
    return { lines: this.line - 1, bytes: this.bytes };
  }

  /** Lines in [start, end) of `buf` that the prefilter points at; `end` is just past a newline. */
  private prefiltered(buf: Buffer, start: number, end: number): void {
    const filter = this.detectors.prefilter;
    if (filter === null) {
      this.everyLine(buf, start, end);
      return;
    }
    const text = buf.toString('latin1', start, end);
    let cursor = start;
    filter.lastIndex = 0;
    for (let m = filter.exec(text); m !== null; m = filter.exec(text)) {
      const at = start + m.index;
      const lineStart = at === start ? start : Math.max(start, buf.lastIndexOf(NEWLINE, at - 1) + 1);
      this.line += countNewlines(buf, cursor, lineStart);
      const nl = buf.indexOf(NEWLINE, at);
      const lineEnd = nl === -1 || nl >= end ? end : nl;
      this.examine(buf.subarray(lineStart, lineEnd), true);
      if (lineEnd === end) return;
      this.line++;
      cursor = lineEnd + 1;
      filter.lastIndex = cursor - start;
    }
    this.line += countNewlines(buf, cursor, end);
  }

  private everyLine(buf: Buffer, start: number, end: number): void {
    for (let from = start; from < end; ) {
      const nl = buf.indexOf(NEWLINE, from);
      const lineEnd = nl === -1 || nl >= end ? end : nl;
      this.examine(buf.subarray(from, lineEnd), true);
      if (lineEnd === end) return;
      this.line++;
      from = lineEnd + 1;
    }
  }

  /** Walks newline by newline only up to each line the reservoir takes; the others are only counted. */
  private sampled(buf: Buffer, start: number, end: number): void {
    const reservoir = this.reservoir!;
    let cursor = start;
    for (;;) {
      const target = reservoir.next - this.firstIndex + 1;
      while (this.line < target && cursor < end) {
        const nl = buf.indexOf(NEWLINE, cursor);
        if (nl === -1 || nl >= end) {
          cursor = end;
          break;
        }
        cursor = nl + 1;
        this.line++;
      }
      if (cursor >= end) return;
      const nl = buf.indexOf(NEWLINE, cursor);
      const lineEnd = nl === -1 || nl >= end ? end : nl;
      this.examine(buf.subarray(cursor, lineEnd));
      if (lineEnd === end) return;
      this.line++;
      cursor = lineEnd + 1;
    }
  }

  /** One line (or one window of a longer line) of the current line number. */
  private examine(bytes: Buffer, candidate = false): void {
    const index = this.firstIndex + this.line - 1;
    if (this.reservoir !== null && this.reservoir.slotFor(index) === -1) return;
    if (bytes.length > LINE_WINDOW) {
      let rest = bytes;
      while (rest.length > LINE_WINDOW) {
        const cut = cutPoint(rest);
        this.examineWindow(rest.subarray(0, cut), index, false);
        rest = rest.subarray(cut);
      }
      this.examineWindow(rest, index, false);
    } else this.examineWindow(bytes, index, candidate);
  }

  private examineWindow(bytes: Buffer, index: number, candidate: boolean): void {
    if (!candidate && !this.detectors.mayMatch(bytes)) return;
    const found = this.detectors.detect(bytes);
    if (found.length > 0) this.sink.matches(this.line, index, found);
  }

  /** An unfinished line longer than the window: everything but its last window is examined now and let go. */
  private flushWindows(carry: Buffer): Buffer {
    let rest = carry;
    while (rest.length > LINE_WINDOW) {
      const cut = cutPoint(rest);
      const index = this.firstIndex + this.line - 1;
      if (this.reservoir === null || this.reservoir.slotFor(index) !== -1) this.examineWindow(rest.subarray(0, cut), index, false);
      rest = rest.subarray(cut);
    }
    return rest === carry ? carry : Buffer.from(rest);
  }
}

/** Where to cut a window: just after a space, comma, quote or brace in its last few KiB, else at the window size. */
function cutPoint(bytes: Buffer): number {
  for (let i = LINE_WINDOW - 1; i >= LINE_WINDOW - CUT_SEARCH; i--) if (CUT_AFTER.has(bytes[i]!)) return i + 1;
  return LINE_WINDOW;
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE, from); i !== -1 && i < to; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
