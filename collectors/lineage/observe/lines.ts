export interface Line {
  /** From 1. */
  line: number;
  /** Null when the line was longer than the limit: it was skipped, not held. */
  text: string | null;
  /** False for a last line with no newline after it. */
  terminated: boolean;
}

/** Longer lines are passed over as they stream, so one runaway line cannot take the memory. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;

function decode(parts: Buffer[]): string {
  const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Splits a byte stream into lines as it arrives, holding at most one line (up to the limit) at a time. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let line = 0;
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      line++;
      if (oversized || pendingBytes + (nl - start) > maxLineBytes) yield { line, text: null, terminated: true };
      else if (pending.length === 0) yield { line, text: decode([chunk.subarray(start, nl)]), terminated: true };
      else yield { line, text: decode([...pending, chunk.subarray(start, nl)]), terminated: true };
      pending = [];
      pendingBytes = 0;
      oversized = false;
      start = nl + 1;
    }
    if (start < chunk.length && !oversized) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) {
        oversized = true;
        pending = [];
      } else pending.push(chunk.subarray(start));
    }
  }
  if (oversized) yield { line: line + 1, text: null, terminated: false };
  else if (pendingBytes > 0) yield { line: line + 1, text: decode(pending), terminated: false };
}
