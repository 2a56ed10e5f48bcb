import { describe, expect, it } from 'vitest';
import { eventTexts } from '../observe/event-texts.js';
import { splitLines } from '../observe/lines.js';

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

describe('reading lines as they stream', () => {
  it('joins lines split across chunks, a character split across them too, and drops carriage returns', async () => {
    const euro = Buffer.from('€');
    const lines = await all(splitLines(chunks('{"a":', '1}\r\n{"b":"', euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('"}\nlast')]))));
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}', terminated: true },
      { line: 2, text: '{"b":"€"}', terminated: true },
      { line: 3, text: 'last', terminated: false },
    ]);
  });

  it('passes over a line longer than the limit without holding it, and goes on with the next', async () => {
    const lines = await all(splitLines(chunks('x'.repeat(10), 'y'.repeat(10), '\nok\n', 'z'.repeat(30)), 16));
    expect(lines).toEqual([
      { line: 1, text: null, terminated: true },
      { line: 2, text: 'ok', terminated: true },
      { line: 3, text: null, terminated: false },
    ]);
  });
});

describe('the JSON texts of an event file', () => {
  const open = (text: string) => async () => chunks(text);

  it('reads a pretty-printed .json document whole, and a .json file of one event per line line by line', async () => {
    const pretty = JSON.stringify([{ a: 1 }, { b: 2 }], null, 2);
    expect(await all(eventTexts(open(`\n${pretty}`), 'events.json'))).toEqual([{ line: 2, text: `\n${pretty}` }]);
    expect(await all(eventTexts(open('{"a":1}\n\n{"b":2}\n'), 'events.json'))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":2}' },
    ]);
  });

  it('reads .ndjson line by line even when a line is not JSON, and leaves out a pending last line when asked', async () => {
    expect(await all(eventTexts(open('{\n{"b":2}\n{"c":'), 'spool.ndjson', { pendingTail: true }))).toEqual([
      { line: 1, text: '{' },
      { line: 2, text: '{"b":2}' },
    ]);
  });
});
