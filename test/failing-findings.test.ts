import { describe, expect, it } from 'vitest';
import { formatFailingFindings, type ShownRecord } from '../src/cli/failing-findings.js';

const record = (stream: string, seq: number, status: ShownRecord['status'], findings: ShownRecord['findings'] = []): ShownRecord => ({
  stream,
  seq,
  status,
  subject: { kind: 'thing', id: `${stream.split('/')[1]}-${seq}` },
  findings,
  summary: `Summary of ${stream} ${seq}.`,
});

describe('the findings block under the snapshot table', () => {
  it('is empty when nothing failed', () => {
    expect(formatFailingFindings([record('a/x', 0, 'pass'), record('a/y', 0, 'info')])).toBe('');
  });

  it('shows a failing record without findings by its summary, and a finding without ref with a dash', () => {
    const text = formatFailingFindings([
      record('a/y', 0, 'error'),
      record('a/x', 0, 'fail', [{ code: 'no-ref', severity: 'low', message: 'something' }]),
      record('a/x', 1, 'pass'),
    ]);
    expect(text).toBe(
      ['Findings of failing records:', 'a/x  thing:x-0  fail', '  low  no-ref  -  something', 'a/y  thing:y-0  error', '  Summary of a/y 0.', ''].join('\n'),
    );
  });

  it('counts the failing records that get no line once the lines run out', () => {
    const many = Array.from({ length: 5 }, (_, i) => record(`a/c${i}`, 0, 'fail', [{ code: 'x', severity: 'high', message: 'm', ref: 'r' }]));
    const lines = formatFailingFindings(many, 3).trimEnd().split('\n');
    expect(lines).toEqual([
      'Findings of failing records:',
      'a/c0  thing:c0-0  fail',
      '  high  x  r  m',
      'a/c1  thing:c1-0  fail',
      '  high  x  r  m',
      'a/c2  thing:c2-0  fail',
      '  high  x  r  m',
      '… and 2 more failing records; snapshot --json prints every record in full',
    ]);
  });
});
