import { MAX_LINE_BYTES, splitLines } from './lines.js';

/** One JSON text to judge as an event (or an array of events), or why a part of the file could not be read as one. */
export type EventText = { line: number; text: string } | { line: number; text: null; reason: string };

export type Opener = () => Promise<AsyncIterable<Uint8Array | string>>;

/** Files named like this hold one event per line. */
export const LINE_FILES = /\.(ndjson|jsonl)$/i;
/** Files read as events: JSON lines, or a JSON document. */
export const EVENT_FILES = /\.(json|ndjson|jsonl)$/i;

const TOO_LONG = `line longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB, passed over`;

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function wholeText(open: Opener): Promise<string | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of await open()) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += b.length;
    if (size > MAX_LINE_BYTES) return null;
    parts.push(b);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The JSON texts of an event file, streamed. `.ndjson` and `.jsonl` files
 * hold one event per line. A `.json` file whose first line is JSON by itself
 * is read the same way (the OpenLineage file transport appends one event per
 * line); otherwise it is one document (a pretty-printed event or array),
 * read whole, up to the line limit. `pendingTail` leaves out a last line with
 * no newline yet: in the spool, that is an append in progress, never
 * acknowledged to its sender.
 */
export async function* eventTexts(open: Opener, name: string, options: { pendingTail?: boolean } = {}): AsyncGenerator<EventText> {
  let lineMode = LINE_FILES.test(name);
  for await (const { line, text, terminated } of splitLines(await open())) {
    if (!terminated && options.pendingTail) return;
    if (text === null) {
      yield { line, text: null, reason: TOO_LONG };
      lineMode = true;
      continue;
    }
    if (text.trim() === '') continue;
    if (!lineMode) {
      if (!parses(text)) {
        const whole = await wholeText(open);
        yield whole === null
          ? { line, text: null, reason: `a JSON document larger than ${MAX_LINE_BYTES / 1024 / 1024} MiB: write one event per line` }
          : { line, text: whole };
        return;
      }
      lineMode = true;
    }
    yield { line, text };
  }
}
