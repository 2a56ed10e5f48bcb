import { describe, expect, it } from 'vitest';
import { continuedRange, firstRange, rangeAfterLostEnd, WindowStart, windowRange, windowStart, withStart } from '../judge/range.js';
import { emptyTotals } from '../judge/trail.js';
import { rangeVerdict } from '../judge/verdict.js';
import { windowEnd } from '../observe/range.js';

const PREVIOUS = { commit: 'a'.repeat(40), time: '2026-02-01T00:00:00Z' };
const TIP = { commit: 'b'.repeat(40), time: '2026-03-01T00:00:00Z' };
const END = Date.parse('2026-03-01T12:00:00Z') / 1000;

describe('range plan', () => {
  it('places a first range by `since`, by `days` before the end, or at the root', () => {
    expect(windowStart({ since: '2026-02-15' }, END)).toEqual({ start: Date.parse('2026-02-15T00:00:00Z') / 1000, basis: 'since' });
    expect(windowStart({ days: 1.5 }, END)).toEqual({ start: END - 129_600, basis: 'days' });
    expect(windowStart({ until: '2026-03-01' }, END)).toEqual({ start: null, basis: 'history' });
    expect(windowStart(undefined, END)).toEqual({ start: null, basis: 'history' });
  });

  it('ends the window at `until`, else at the clock', () => {
    const clock = { now: () => new Date(END * 1000 + 999) };
    expect(windowEnd(undefined, clock)).toBe(END);
    expect(windowEnd({ until: '2026-02-01T00:00:00Z' }, clock)).toBe(Date.parse('2026-02-01T00:00:00Z') / 1000);
  });

  it('continues from the previous end: nothing new when the branch has not moved or moved back, up to the tip when it moved on', () => {
    expect(continuedRange(PREVIOUS, null, 'same', 'main')).toEqual({ from: PREVIOUS, to: PREVIOUS, basis: 'previous', findings: [] });
    expect(continuedRange(PREVIOUS, PREVIOUS, 'same', 'main')).toEqual({ from: PREVIOUS, to: PREVIOUS, basis: 'previous', findings: [] });
    expect(continuedRange(PREVIOUS, TIP, 'ahead', 'main')).toEqual({ from: PREVIOUS, to: TIP, basis: 'previous', findings: [] });
    expect(continuedRange(PREVIOUS, TIP, 'behind', 'main')).toEqual({ from: PREVIOUS, to: PREVIOUS, basis: 'previous', findings: [] });
  });

  it('says the branch was rewritten when the previous end is off the branch or gone', () => {
    expect(continuedRange(PREVIOUS, TIP, 'diverged', 'main')).toEqual({
      from: PREVIOUS,
      to: TIP,
      basis: 'previous',
      findings: [
        {
          code: 'history-rewritten',
          severity: 'high',
          message: `${PREVIOUS.commit}, where the previous range ended, is no longer on the branch: main was rewritten (force-pushed or reset) since the last run`,
          ref: PREVIOUS.commit,
        },
      ],
    });
    const restart = { commit: 'c'.repeat(40), time: '2026-01-31T00:00:00Z' };
    const lost = rangeAfterLostEnd(PREVIOUS, TIP, restart, 'main');
    expect(lost).toMatchObject({ from: restart, to: TIP, basis: 'previous' });
    expect(lost.findings).toEqual([
      {
        code: 'history-rewritten',
        severity: 'high',
        message: `${PREVIOUS.commit}, where the previous range ended, no longer exists in the repository: main was rewritten (force-pushed or reset) since the last run`,
        ref: PREVIOUS.commit,
      },
    ]);
    expect(rangeAfterLostEnd(PREVIOUS, null, null, 'main')).toMatchObject({ from: null, to: null });
  });

  it('says a first range restarts from the window when the stream lost track of where the last one ended', () => {
    expect(firstRange(null, TIP, 'history', false)).toEqual({ from: null, to: TIP, basis: 'history', findings: [] });
    expect(firstRange(PREVIOUS, TIP, 'days', true)).toEqual({
      from: PREVIOUS,
      to: TIP,
      basis: 'days',
      findings: [
        {
          code: 'range-restarted',
          severity: 'medium',
          message:
            'the previous record of this stream does not say where its range ended (it is an error record), so this range starts from the window (days); it may overlap the last one or leave a gap',
        },
      ],
    });
  });

  it('leaves the start of a window inside the history to the pass, and makes a window after the branch end empty', () => {
    const tipSeconds = Date.parse(TIP.time) / 1000;
    expect(windowRange(TIP, tipSeconds, tipSeconds - 10, 'since', false)).toEqual({
      from: null,
      to: TIP,
      basis: 'since',
      findings: [],
      startBefore: tipSeconds - 10,
    });
    expect(windowRange(TIP, tipSeconds, tipSeconds + 1, 'days', false)).toEqual({ from: TIP, to: TIP, basis: 'days', findings: [] });
    expect(withStart(windowRange(TIP, tipSeconds, tipSeconds, 'since', false), PREVIOUS)).toEqual({ from: PREVIOUS, to: TIP, basis: 'since', findings: [] });
  });
});

describe('window start', () => {
  const c = (id: string, time: number, ...parents: string[]) => ({ id, time, parents });

  it('follows the first-parent line to the newest commit before the window', () => {
    const line = new WindowStart('t', 100);
    expect([c('t', 300, 'a'), c('other', 50, 'b'), c('a', 100, 'b')].map((x) => line.see(x))).toEqual([null, null, null]);
    expect(line.see(c('b', 99, 'root'))).toBe('start');
  });

  it('marks a merge on the line before the start, and a merge older than the window as the start', () => {
    expect(new WindowStart('m', 100).see(c('m', 300, 'a', 'side'))).toBe('merge');
    expect(new WindowStart('m', 100).see(c('m', 99, 'a', 'side'))).toBe('start');
  });

  it('marks nothing on a line that reaches its root inside the window', () => {
    const line = new WindowStart('t', 100);
    expect([c('t', 300, 'a'), c('a', 200)].map((x) => line.see(x))).toEqual([null, null]);
  });
});

describe('range verdict', () => {
  const plan = { from: PREVIOUS, to: TIP, basis: 'previous' as const, findings: [] };

  it('passes when every required review and signature is there', () => {
    expect(rangeVerdict(plan, emptyTotals())).toEqual({ status: 'pass', rewritten: false });
  });

  it('fails on a missing review, an invalid signature, or a rewritten branch', () => {
    const missing = emptyTotals();
    missing.review.missing = 1;
    expect(rangeVerdict(plan, missing).status).toBe('fail');
    const unsigned = emptyTotals();
    unsigned.signing.unsigned = 1;
    expect(rangeVerdict(plan, unsigned).status).toBe('fail');
    const rewritten = continuedRange(PREVIOUS, TIP, 'diverged', 'main');
    expect(rangeVerdict(rewritten, emptyTotals())).toEqual({ status: 'fail', rewritten: true });
    // Other plan findings do not fail the record.
    expect(rangeVerdict(firstRange(null, TIP, 'days', true), emptyTotals()).status).toBe('pass');
  });
});
