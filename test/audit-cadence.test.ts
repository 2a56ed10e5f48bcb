import { describe, expect, it } from 'vitest';
import { atPointer } from '../src/audit/annotations.js';
import { CadenceError, inferCadence, periodIndex, periodsOf } from '../src/audit/cadence.js';

const iso = (starts: Float64Array) => [...starts].map((t) => new Date(t).toISOString());

describe('periods of a cadence', () => {
  it('lays calendar periods in UTC, ISO weeks from Monday, clipped to the window', () => {
    const from = Date.parse('2026-01-15T00:00:00Z');
    const end = Date.parse('2026-04-01T00:00:00Z');
    expect(iso(periodsOf({ every: 'monthly' }, from, end).starts)).toEqual([
      '2026-01-15T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    expect(iso(periodsOf({ every: 'quarterly' }, from, end).starts)).toEqual(['2026-01-15T00:00:00.000Z']);
    // 2026-01-15 is a Thursday: the next ISO week starts on Monday the 19th.
    expect(iso(periodsOf({ every: 'weekly' }, from, end).starts).slice(0, 2)).toEqual(['2026-01-15T00:00:00.000Z', '2026-01-19T00:00:00.000Z']);
  });

  it('follows a schedule in its time zone across a change of daylight saving time', () => {
    const p = periodsOf({ schedule: '0 3 * * *', timezone: 'Europe/Paris' }, Date.parse('2026-03-28T00:00:00Z'), Date.parse('2026-03-31T00:00:00Z'));
    expect(iso(p.starts)).toEqual(['2026-03-28T02:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z']);
    expect(periodIndex(p, Date.parse('2026-03-29T00:59:59Z'))).toBe(0);
    expect(periodIndex(p, Date.parse('2026-03-28T01:00:00Z'))).toBe(-1);
  });

  it('requires day of month and day of week both, as node-cron fires', () => {
    // The 13th that is a Friday: in 2026, February and March only.
    const p = periodsOf({ schedule: '0 0 13 * 5', timezone: 'UTC' }, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-12-31T00:00:00Z'));
    expect(iso(p.starts)).toEqual(['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-11-13T00:00:00.000Z']);
  });

  it('refuses a schedule it cannot read, naming it', () => {
    expect(() => periodsOf({ schedule: 'not cron', timezone: 'UTC' }, 0, 1000)).toThrow(CadenceError);
    expect(() => periodsOf({ schedule: 'not cron', timezone: 'UTC' }, 0, 1000)).toThrow(/not cron/);
  });

  it('infers the nearest class from a median interval', () => {
    expect(inferCadence(23 * 3600_000).every).toBe('daily');
    expect(inferCadence(6 * 86400_000).every).toBe('weekly');
    expect(inferCadence(29 * 86400_000).every).toBe('monthly');
  });
});

describe('atPointer', () => {
  it('reads RFC 6901 pointers', () => {
    const v = { a: [{ 'b/c': 1, '~d': 2 }], '': 3 };
    expect(atPointer(v, '')).toBe(v);
    expect(atPointer(v, '/a/0/b~1c')).toBe(1);
    expect(atPointer(v, '/a/0/~0d')).toBe(2);
    expect(atPointer(v, '/')).toBe(3);
    expect(atPointer(v, '/a/01')).toBeUndefined();
    expect(atPointer(v, '/a/0/missing')).toBeUndefined();
    expect(atPointer(v, 'a')).toBeUndefined();
  });
});
