import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ALICE, TestRepo, type Who } from './git-fixture.js';
import { detailOf, runTrail } from './run.js';

const COPILOT: Who = { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com' };
const CURSOR_AGENT: Who = { name: 'Cursor Agent', email: 'cursoragent@cursor.com' };
const DEVIN: Who = { name: 'devin-ai-integration[bot]', email: '158243242+devin-ai-integration[bot]@users.noreply.github.com' };
const DEPENDABOT: Who = { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' };
const RENOVATE: Who = { name: 'renovate[bot]', email: '29139614+renovate[bot]@users.noreply.github.com' };
const ACTIONS: Who = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };

describe('commit-trail classification (real repositories)', () => {
  it('classifies every built-in agent rule, maintenance bots and humans, naming the signal that decided', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    let minute = 0;
    const at = () => `2026-02-01T10:${String(minute++).padStart(2, '0')}:00Z`;
    const c = async (message: string, author: Who = ALICE, committer?: Who) => repo.commit({ message, at: at(), author, ...(committer ? { committer } : {}) });

    const ids = {
      human: await c('Plain human change'),
      claudeTrailer: await c(
        'Fix parser\n\nGenerated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>',
      ),
      claudeMessageOnly: await c('Tidy\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)'),
      copilotAuthor: await c('Copilot coding agent change', COPILOT),
      copilotCliTrailer: await c('CLI change\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>'),
      cursorTrailer: await c('Cursor change\n\nCo-authored-by: Cursor <cursoragent@cursor.com>'),
      cursorAgent: await c('Cursor cloud agent change', CURSOR_AGENT),
      aiderAuthor: await c('aider change', { name: 'Alice Human (aider)', email: ALICE.email }),
      aiderCommitter: await c('aider committed', ALICE, { name: 'Alice Human (aider)', email: ALICE.email }),
      aiderTrailer: await c('aider trailer\n\nCo-authored-by: aider (openai/gpt-4o) <noreply@aider.chat>'),
      devin: await c('Devin change', DEVIN),
      dependabot: await c('Bump lodash from 4.17.20 to 4.17.21', DEPENDABOT),
      renovate: await c('Update dependency vitest to v4', RENOVATE),
      actions: await c('Update generated files', ACTIONS),
      extraEmail: await c('internal agent', { name: 'Build Helper', email: 'helper@agents.example.com' }),
      extraName: await c('internal agent by name', { name: 'Acme Agent', email: 'someone@example.com' }),
      extraTrailer: await c('assisted\n\nAssisted-by: acme-llm'),
      humanWithHumanCoauthor: await c('Pairing\n\nCo-authored-by: Bob Reviewer <bob@example.com>'),
    };

    const { records } = await runTrail(dir, {
      repos: [{ path: 'repo', branch: 'main' }],
      agents: { extraEmails: ['helper@agents.example.com'], extraNames: ['Acme Agent'], extraTrailers: ['Assisted-by'] },
    });
    expect(records).toHaveLength(1);
    const r = records[0]!;
    const got = (id: string) => {
      const d = detailOf(r, id);
      return `${d.class}/${d.rule}/${d.tool}`;
    };
    expect(got(ids.human)).toBe('human/none/null');
    expect(got(ids.claudeTrailer)).toBe('agent/trailer/claude-code');
    expect(got(ids.claudeMessageOnly)).toBe('agent/message/claude-code');
    expect(got(ids.copilotAuthor)).toBe('agent/author/copilot');
    expect(got(ids.copilotCliTrailer)).toBe('agent/trailer/copilot');
    expect(got(ids.cursorTrailer)).toBe('agent/trailer/cursor');
    expect(got(ids.cursorAgent)).toBe('agent/author/cursor');
    expect(got(ids.aiderAuthor)).toBe('agent/author/aider');
    expect(got(ids.aiderCommitter)).toBe('agent/committer/aider');
    expect(got(ids.aiderTrailer)).toBe('agent/trailer/aider');
    expect(got(ids.devin)).toBe('agent/author/devin-ai-integration[bot]');
    expect(got(ids.dependabot)).toBe('bot/author/dependabot[bot]');
    expect(got(ids.renovate)).toBe('bot/author/renovate[bot]');
    expect(got(ids.actions)).toBe('bot/author/github-actions[bot]');
    expect(got(ids.extraEmail)).toBe('agent/author/extra');
    expect(got(ids.extraName)).toBe('agent/author/extra');
    expect(got(ids.extraTrailer)).toBe('agent/trailer/extra');
    expect(got(ids.humanWithHumanCoauthor)).toBe('human/none/null');

    const data = r.data as { counts: Record<string, number>; agentSignals: Record<string, number> };
    expect(data.counts).toEqual({ agent: 13, bot: 3, human: 2 });
    expect(data.agentSignals).toEqual({ author: 6, committer: 1, trailer: 5, message: 1 });
    // Message bodies are read for markers, never copied into evidence.
    expect(JSON.stringify(r)).not.toContain('Generated with');
    expect(JSON.stringify(r)).not.toContain('Bump lodash');
  });

  it('treats a maintenance bot as an agent once it is taken off the maintenance list', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const id = await repo.commit({ message: 'Bump', at: '2026-02-01T10:00:00Z', author: DEPENDABOT });
    const { records } = await runTrail(dir, { repos: [{ path: 'repo' }], maintenanceBots: ['renovate[bot]'] });
    expect(detailOf(records[0]!, id)).toMatchObject({ class: 'agent', rule: 'author', tool: 'dependabot[bot]' });
    // The branch was not configured: the one HEAD names is used and named in the subject.
    expect(records[0]!.subject).toEqual({ kind: 'git-repository', id: 'repo#main' });
  });
});
