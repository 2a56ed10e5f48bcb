import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyStore } from '../../../src/verify/verify.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { DetailLines } from '../record/detail.js';
import type { CommitDetail } from '../schema.js';
import { TestRepo } from './git-fixture.js';
import { commitsOf, fixedClock, runTrail } from './run.js';

const CLAUDE = '\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';

async function agentCommits(repo: TestRepo, count: number, day: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.parse(`${day}T00:00:00Z`) + i * 60_000).toISOString();
    // Every seventh by an author whose name is not ASCII, so lines of both encodings share the attachment's chunks.
    ids.push(await repo.commit({ message: `Change ${i}${CLAUDE}`, at, ...(i % 7 === 3 ? { author: ZOE } : {}) }));
  }
  return ids;
}

const ZOE = { name: 'Zoë Ünal 李', email: 'zoe@example.com' };

describe('commit-trail per-commit detail', () => {
  it('keeps up to 50 commits in the record, streams more into a JSON Lines attachment, and bounds the findings', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const options = { repos: [{ path: 'repo', branch: 'main' }] };
    await agentCommits(repo, 50, '2026-02-01');
    const inline = (await runTrail(dir, options, fixedClock('2026-02-02T00:00:00Z'))).records[0]!;
    expect(commitsOf(inline)).toHaveLength(50);
    expect(inline.attachments).toEqual([]);
    expect(inline.findings).toHaveLength(50);

    const more = await agentCommits(repo, 110, '2026-02-02');
    const { records, store } = await runTrail(dir, options, fixedClock('2026-02-03T00:00:00Z'));
    const r = records[0]!;
    expect(r.data.commits).toBeUndefined();
    expect(r.attachments).toHaveLength(1);
    const attachment = r.attachments[0]!;
    expect(attachment).toMatchObject({ name: 'commits.jsonl', mediaType: 'application/jsonl' });
    const bytes = await readFile(join(dir, 'evidence', attachment.key));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(attachment.sha256);
    expect(bytes.length).toBe(attachment.size);
    const lines = bytes
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as CommitDetail);
    // Newest first, as git log lists them, every commit of the range once.
    expect(lines.map((l) => l.id)).toEqual([...more].reverse());
    expect(lines[0]).toMatchObject({ class: 'agent', rule: 'trailer', tool: 'claude-code', review: 'none', reviewRequired: true });
    expect(lines.filter((l) => l.author.name === ZOE.name && l.committer.email === ZOE.email)).toHaveLength(16);

    // 100 findings are listed; one more says how many were left out.
    expect(r.findings).toHaveLength(101);
    expect(r.findings[100]).toEqual({
      code: 'agent-commit-unreviewed',
      severity: 'high',
      message: '10 more agent-commit-unreviewed findings than listed here (110 in all); the commit detail lists every commit',
    });
    expect(r.data.review).toMatchObject({ required: 110, missing: 110 });

    // The store's own verifier accepts both records and re-hashes the attachment.
    const report = await verifyStore(store);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ records: 2, attachments: 1 });
  });

  it('writes each line exactly as JSON.stringify would, whatever the names hold', () => {
    const lines = new DetailLines();
    const awkward = { name: 'Zoë "Q" \\ O\'Neil\u0001\u2028', email: 'z\te@example.com' };
    const details: CommitDetail[] = [
      {
        id: 'a'.repeat(40),
        class: 'agent',
        rule: 'trailer',
        tool: 'devin-ai-integration[bot]',
        family: 'github-app',
        signal: { marker: 'GitHub App "login"', confidence: 'medium', basis: 'identity' },
        agentInvolved: true,
        attribution: ['git-ai'],
        merge: false,
        author: awkward,
        committer: { name: 'GitHub', email: 'noreply@github.com' },
        time: '2026-02-01T10:00:00Z',
        landedBy: 'b'.repeat(40),
        reviewRequired: true,
        review: 'explicit',
        reviewers: [
          { name: 'Bob "B"', email: null, via: 'github', counted: true },
          { name: awkward.name, email: awkward.email, via: 'reviewed-by', counted: false, reason: 'self' },
        ],
        signature: 'untrusted',
      },
      {
        id: 'c'.repeat(40),
        class: 'human',
        rule: 'none',
        tool: null,
        family: null,
        signal: null,
        agentInvolved: false,
        merge: true,
        author: awkward,
        committer: awkward,
        time: '2026-02-01T10:00:01Z',
        landedBy: 'c'.repeat(40),
        reviewRequired: false,
        review: 'none',
        reviewers: [],
        signature: null,
      },
    ];
    const plain = { name: 'Alice', email: 'alice@example.com' };
    details.push({ ...details[1]!, author: plain, committer: plain });
    for (const d of details) {
      expect(lines.line(d).text).toBe(`${JSON.stringify(d)}\n`);
      // A second time comes from the identity cache.
      expect(lines.line(d).text).toBe(`${JSON.stringify(d)}\n`);
    }
    // Only an all-ASCII line may be encoded as Latin-1.
    expect(details.map((d) => lines.line(d).ascii)).toEqual([false, false, true]);
  });
});
