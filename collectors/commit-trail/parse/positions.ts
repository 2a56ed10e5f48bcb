import type { JsonValue } from '../../../src/collector/contract.js';
import type { Position } from '../schema.js';

/** The end of every repository's last range, as the newest record of the stream carries them; null when it carries none. */
export function readPositions(data: { [key: string]: JsonValue } | undefined): Record<string, Position> | null {
  const positions = data?.positions;
  if (typeof positions !== 'object' || positions === null || Array.isArray(positions)) return null;
  const out: Record<string, Position> = {};
  for (const [subject, p] of Object.entries(positions)) {
    if (typeof p === 'object' && p !== null && !Array.isArray(p) && typeof p.commit === 'string' && typeof p.time === 'string') {
      out[subject] = { commit: p.commit, time: p.time };
    }
  }
  return out;
}
