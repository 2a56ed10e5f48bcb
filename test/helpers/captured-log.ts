import { Writable } from 'node:stream';
import pino from 'pino';

/** A debug-level logger that keeps every line it writes, and the lines so far as one text. */
export function capturedLog(): { log: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), text: () => lines.join('') };
}
