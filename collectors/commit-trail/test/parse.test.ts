import { describe, expect, it } from 'vitest';
import { readPositions } from '../parse/positions.js';
import { parseSignatureStatuses } from '../parse/signature-status.js';

describe('positions of the previous record', () => {
  it('reads each repository position and drops entries that are not one', () => {
    const a = { commit: 'a'.repeat(40), time: '2026-02-01T00:00:00Z' };
    expect(readPositions({ positions: { 'repo#main': a, 'bad#main': { commit: 1, time: 'x' }, 'list#main': [a], 'none#main': null } })).toEqual({
      'repo#main': a,
    });
    expect(readPositions({ positions: {} })).toEqual({});
  });

  it('says there are none when the record carries no positions object', () => {
    expect(readPositions(undefined)).toBeNull();
    expect(readPositions({})).toBeNull();
    expect(readPositions({ positions: null })).toBeNull();
    expect(readPositions({ positions: [] })).toBeNull();
    expect(readPositions({ positions: 'repo#main' })).toBeNull();
  });
});

describe('signature statuses', () => {
  it("names each commit's %G? letter, and an unknown letter as unverifiable", () => {
    const statuses = parseSignatureStatuses(['c1 G', 'c2 B', 'c3 U', 'c4 X', 'c5 Y', 'c6 R', 'c7 E', 'c8 N', 'c9 Q', '', ''].join('\n'));
    expect([...statuses]).toEqual([
      ['c1', 'good'],
      ['c2', 'bad'],
      ['c3', 'untrusted'],
      ['c4', 'expired'],
      ['c5', 'expired-key'],
      ['c6', 'revoked'],
      ['c7', 'unverifiable'],
      ['c8', 'none'],
      ['c9', 'unverifiable'],
    ]);
  });
});
