import { describe, expect, it } from 'vitest';
import { IsoTime } from '../parse/iso-time.js';

describe('IsoTime', () => {
  it('writes what Date writes, to the second, across days, years and the epoch', () => {
    const iso = new IsoTime();
    const samples = [0, -1, 59, 60, 3599, 3600, 86_399, 86_400, 951_782_400 /* 2000-02-29 */, 1_767_225_599, 1_767_225_600, 4_102_444_799];
    for (let s = 1_700_000_000; s < 1_700_000_000 + 200 * 86_400; s += 7_919) samples.push(s);
    for (const s of samples) expect(iso.format(s)).toBe(new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
  });
});
