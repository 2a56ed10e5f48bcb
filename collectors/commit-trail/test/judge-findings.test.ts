import { describe, expect, it } from 'vitest';
import { FindingList } from '../judge/findings.js';

describe('FindingList', () => {
  it('starts with the findings it is given, in order, and adds after them', () => {
    const list = FindingList.of([
      { code: 'history-rewritten', severity: 'high', message: 'rewritten', ref: 'a' },
      { code: 'range-restarted', severity: 'medium', message: 'restarted' },
    ]);
    list.add('github-unavailable', 'low', () => ({ message: 'no GitHub' }));
    expect(list.all()).toEqual([
      { code: 'history-rewritten', severity: 'high', message: 'rewritten', ref: 'a' },
      { code: 'range-restarted', severity: 'medium', message: 'restarted' },
      { code: 'github-unavailable', severity: 'low', message: 'no GitHub' },
    ]);
  });

  it('keeps 100 findings per code, counts the rest in one more, and never describes those', () => {
    const list = new FindingList();
    let described = 0;
    for (let i = 0; i < 250; i++) {
      list.add('unsigned-commit', 'high', () => {
        described++;
        return { message: `commit ${i}`, ref: String(i) };
      });
    }
    list.add('agent-commit-unreviewed', 'high', () => ({ message: 'one' }));
    const all = list.all();
    expect(described).toBe(100);
    expect(all).toHaveLength(102);
    expect(all.at(-1)).toEqual({
      code: 'unsigned-commit',
      severity: 'high',
      message: '150 more unsigned-commit findings than listed here (250 in all); the commit detail lists every commit',
    });
  });

  it('adds a finding once per code and ref', () => {
    const list = new FindingList();
    list.addOnce('self-approved', 'medium', 'm1', () => 'first');
    list.addOnce('self-approved', 'medium', 'm1', () => 'second');
    list.addOnce('self-approved', 'medium', 'm2', () => 'third');
    list.addOnce('reviewer-is-agent', 'medium', 'm1', () => 'fourth');
    expect(list.all().map((f) => `${f.code}:${f.ref}:${f.message}`)).toEqual([
      'self-approved:m1:first',
      'self-approved:m2:third',
      'reviewer-is-agent:m1:fourth',
    ]);
  });
});
