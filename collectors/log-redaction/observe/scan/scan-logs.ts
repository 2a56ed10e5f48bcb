import { createHmac } from 'node:crypto';
import { Detectors } from './detectors.js';
import { LineStream } from './line-stream.js';
import { type LogLocation, logLocations, readFailure, type Unreadable } from './locations.js';
import { Reservoir } from './sampler.js';
import type { Hit, LeakKind, Match, ScanOptions, ScanResult } from './types.js';

export type { Hit, LeakKind, ScanOptions, ScanResult } from './types.js';

const DEFAULT_MAX_HITS = 1000;

/** What one sampled line found: kept per reservoir slot, so that a line replaced in the sample takes its hits with it. */
interface SlotFindings {
  counts: Map<LeakKind, number>;
  hits: Hit[];
  order: [number, number];
}

/**
 * Scans one log source's locations (files, globs, folders, `s3://` or `gs://` prefixes) for prompt fields
 * and leaked secrets. Matched text is hashed where it is found and goes nowhere else. With `sampleLines`
 * above 0, a seeded reservoir of that many lines across all the locations is scanned instead of every line.
 * A location that cannot be read is listed in `unreadable`; a bad pattern, or the signal, throws.
 */
export async function scanLogs(patterns: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const detectors = new Detectors(options);
  const maxHits = options.maxHits ?? DEFAULT_MAX_HITS;
  const reservoir = options.sampleLines > 0 ? new Reservoir(options.sampleLines, options.seed) : null;
  const hmac = (text: string) => createHmac('sha256', options.key).update(text, 'utf8').digest('hex');
  const toHits = (location: string, line: number, found: Match[]) =>
    found.map((m): Hit => ({ location, line, kind: m.kind, ...(m.field === undefined ? {} : { field: m.field }), hmac: hmac(m.text) }));

  const counts = new Map<LeakKind, number>();
  const hits: Hit[] = [];
  let hitsOmitted = 0;
  const slots = new Map<number, SlotFindings>();
  const unreadable: Unreadable[] = [];
  let locations = 0;
  let lines = 0;
  let bytes = 0;

  for (const [patternIndex, pattern] of patterns.entries()) {
    for await (const log of logLocations(pattern, options, unreadable)) {
      options.signal.throwIfAborted();
      locations++;
      const order = patternIndex * 1e6 + locations;
      const stream = new LineStream(detectors, reservoir, lines, {
        matches(line, index, found) {
          if (reservoir === null) {
            for (const m of found) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
            const room = Math.max(0, maxHits - hits.length);
            hits.push(...toHits(log.location, line, found.slice(0, room)));
            hitsOmitted += found.length - Math.min(room, found.length);
            return;
          }
          const slot = reservoir.slotFor(index);
          let findings = slots.get(slot);
          if (findings?.order[0] !== order || findings.order[1] !== line) {
            findings = { counts: new Map(), hits: [], order: [order, line] };
            slots.set(slot, findings);
          }
          for (const m of found) findings.counts.set(m.kind, (findings.counts.get(m.kind) ?? 0) + 1);
          findings.hits.push(...toHits(log.location, line, found.slice(0, Math.max(0, maxHits - findings.hits.length))));
        },
      });
      const done = await readInto(log, stream, options.signal, unreadable);
      lines += done.lines;
      bytes += done.bytes;
    }
  }

  if (reservoir !== null) {
    // The sample's findings, in location then line order, as a full scan would list them.
    const kept = [...slots.values()].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
    for (const findings of kept) {
      for (const [kind, n] of findings.counts) counts.set(kind, (counts.get(kind) ?? 0) + n);
      const room = Math.max(0, maxHits - hits.length);
      hits.push(...findings.hits.slice(0, room));
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    hitsOmitted = total - hits.length;
  }

  return {
    locations,
    linesScanned: reservoir === null ? lines : Math.min(lines, reservoir.size),
    bytesScanned: bytes,
    sampled: reservoir !== null,
    counts: Object.fromEntries(counts),
    hits,
    hitsOmitted,
    unreadable,
  };
}

/** Streams one location through the scanner; a read error keeps what was counted before it and is reported, not thrown. */
async function readInto(log: LogLocation, stream: LineStream, signal: AbortSignal, unreadable: Unreadable[]): Promise<{ lines: number; bytes: number }> {
  try {
    const body = await log.open();
    if (body === null) unreadable.push({ location: log.location, reason: 'it was deleted after it was listed' });
    else
      for await (const chunk of body) {
        signal.throwIfAborted();
        stream.push(chunk as Buffer);
      }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    unreadable.push({ location: log.location, reason: readFailure(err) });
  }
  return stream.end();
}
