import type { RecordFacts } from './check-record.js';
import type { VerifyProblem } from './problems.js';

/**
 * Checks one stream's records, in sequence order, as a chain: one record per
 * position, no position missing, each linking to the hash of the one before.
 */
export function checkChain(stream: string, facts: readonly RecordFacts[], opts: { fromStart: boolean }, problems: VerifyProblem[]): void {
  let before: RecordFacts | undefined;
  let named: RecordFacts | undefined;
  for (const f of facts) {
    if (before && f.seq === before.seq) {
      problems.push({ kind: 'fork', key: f.key, stream, seq: f.seq, message: `two records claim position ${f.seq}: ${before.key} and ${f.key}` });
      continue;
    }
    const expected = before ? before.seq + 1 : opts.fromStart ? 0 : f.seq;
    if (f.seq !== expected) {
      const range = f.seq - 1 === expected ? `${expected}` : `${expected} to ${f.seq - 1}`;
      problems.push({ kind: 'seq-gap', key: f.key, stream, seq: f.seq, message: `records ${range} of ${stream} are missing before this one` });
    } else if (before && f.prev !== before.hash) {
      problems.push({
        kind: 'prev-mismatch',
        key: f.key,
        stream,
        seq: f.seq,
        message: `prev is ${String(f.prev)} but record ${before.seq} (${before.key}) has hash ${String(before.hash)}`,
      });
    }
    // Once a stream names its payload schemas, a record that names none looks older than it is: its data escapes the check.
    if (named && !f.namesPayloadSchema) {
      problems.push({
        kind: 'payload-schema',
        key: f.key,
        stream,
        seq: f.seq,
        message: `names no payload schema, although record ${named.seq} of ${stream} before it did`,
      });
    }
    if (f.namesPayloadSchema && !named) named = f;
    before = f;
  }
}
