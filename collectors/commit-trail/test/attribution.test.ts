import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { parseAgentTrace, parseGitAiNote } from '../parse/attribution.js';
import { TestRepo } from './git-fixture.js';
import { detailOf, runTrail } from './run.js';

/** A git-ai authorship log (Git AI Standard v3): attestation, `---`, metadata. */
const gitAiNote = (tool: string) =>
  `src/cache.ts\n  d9978a8723e02b52 1-4,9-10\n---\n${JSON.stringify({
    schema_version: 'authorship/3.0.0',
    base_commit_sha: '7734793b756b3921c88db5375a8c156e9532447b',
    prompts: {
      d9978a8723e02b52: {
        agent_id: { tool, id: 'session-1', model: 'claude-opus-4-5' },
        messages: [],
        total_additions: 6,
        total_deletions: 0,
        accepted_lines: 6,
        overriden_lines: 0,
      },
    },
  })}\n`;

/** An Agent Trace record (agent-trace.dev) whose range is by `type`. */
const traceRecord = (type: string) =>
  JSON.stringify({
    version: '1.0',
    id: '6ef2299e-a67f-432b-aa80-3d2fb4d28999',
    timestamp: '2026-02-01T10:00:00Z',
    tool: { name: 'cursor', version: '2.4' },
    files: [{ path: 'src/a.ts', conversations: [{ contributor: { type, model_id: 'anthropic/claude-opus-4-5' }, ranges: [{ start_line: 1, end_line: 9 }] }] }],
  });

describe('commit-trail attribution recorded outside the message', () => {
  it('parses git-ai logs and Agent Trace records, and ignores ones that attribute nothing to an agent', () => {
    expect(parseGitAiNote(gitAiNote('cursor'))).toEqual({ format: 'git-ai', tool: 'cursor' });
    expect(parseGitAiNote(`---\n${JSON.stringify({ schema_version: 'authorship/3.0.0', prompts: {} })}`)).toBeNull();
    expect(parseGitAiNote('free text note')).toBeNull();
    expect(parseAgentTrace(traceRecord('ai'))).toEqual({ format: 'agent-trace', tool: 'cursor' });
    expect(parseAgentTrace(`${traceRecord('human')}\n${traceRecord('mixed')}`)).toEqual({ format: 'agent-trace', tool: 'cursor' });
    expect(parseAgentTrace(traceRecord('human'))).toBeNull();
  });

  it('classes commits that git-ai notes or Agent Trace records attribute to an agent, and says which commits each covered', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const plain = await repo.commit({ message: 'Add cache', at: '2026-02-01T10:00:00Z' });
    const traced = await repo.commit({ message: 'Add index', at: '2026-02-01T10:01:00Z' });
    const both = await repo.commit({ message: 'Fix\n\nCo-authored-by: Claude <noreply@anthropic.com>', at: '2026-02-01T10:02:00Z' });
    const human = await repo.commit({ message: 'Readme', at: '2026-02-01T10:03:00Z' });
    await repo.git(['notes', '--ref=refs/notes/ai', 'add', '-m', gitAiNote('cursor'), plain]);
    await repo.git(['notes', '--ref=refs/notes/ai', 'add', '-m', gitAiNote('claude'), both]);
    await repo.git(['notes', '--ref=refs/notes/agent-trace', 'add', '-m', traceRecord('ai'), traced]);
    await repo.git(['notes', '--ref=refs/notes/agent-trace', 'add', '-m', traceRecord('human'), human]);

    const { records } = await runTrail(dir, { repos: [{ path: 'repo' }] });
    const r = records[0]!;
    expect(detailOf(r, plain)).toMatchObject({
      class: 'agent',
      rule: 'notes',
      tool: 'cursor',
      family: 'cursor',
      signal: { marker: 'git-ai note', confidence: 'high', basis: 'attribution' },
      attribution: ['git-ai'],
    });
    expect(detailOf(r, traced)).toMatchObject({
      class: 'agent',
      rule: 'notes',
      tool: 'cursor',
      signal: { marker: 'Agent Trace record' },
      attribution: ['agent-trace'],
    });
    // The note is stronger than the trailer, and either way the record says the note covered the commit.
    expect(detailOf(r, both)).toMatchObject({ class: 'agent', rule: 'notes', tool: 'claude-code', attribution: ['git-ai'] });
    expect(detailOf(r, human)).toMatchObject({ class: 'human', agentInvolved: false });
    expect(detailOf(r, human).attribution).toBeUndefined();
    expect(r.data.attribution).toEqual({ gitAi: { ref: 'refs/notes/ai', commits: 2 }, agentTrace: { ref: 'refs/notes/agent-trace', commits: 1 } });
  });
});
