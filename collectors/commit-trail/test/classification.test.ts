import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { builtInCatalog, type CatalogEntry, checkCatalog, type Marker } from '../catalog/catalog.js';
import { mergedBranch } from '../parse/log-parser.js';
import { ALICE, BOB, TestRepo, type Who } from './git-fixture.js';
import { detailOf, runTrail } from './run.js';

const DEPENDABOT: Who = { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' };

/** A repository whose commits are written one minute apart, from 10:00. */
async function history(dir: string, name = 'repo') {
  const repo = await TestRepo.create(join(dir, name));
  let minute = 0;
  const at = () => new Date(Date.UTC(2026, 1, 1, 10) + minute++ * 60_000).toISOString();
  const commit = (message: string, author: Who = ALICE, committer?: Who) => repo.commit({ message, at: at(), author, ...(committer ? { committer } : {}) });
  /** A side branch named `branch` with one commit, merged by Bob with git's own subject; returns the side commit. */
  const merged = async (branch: string, message: string) => {
    const tip = (await repo.tip())!;
    const side = await repo.commit({ message, at: at(), parents: [tip] }, 'side');
    await repo.merge(side, { message: `Merge branch '${branch}'`, at: at(), author: BOB });
    return side;
  };
  return { repo, commit, merged };
}

/** A commit that carries `m` in the place it is documented for, and nothing else that could classify it. */
async function commitFor(h: Awaited<ReturnType<typeof history>>, entry: CatalogEntry, m: Marker, n: number): Promise<string> {
  const sample = m.example ?? m.value;
  switch (m.kind) {
    case 'email':
      return h.commit(`Change ${n}\n\nCo-authored-by: Agent Tool <${m.value}>`);
    case 'email-pattern':
      return h.commit(`Change ${n}\n\nCo-authored-by: Agent Tool <${sample}>`);
    case 'name':
    case 'name-pattern':
      return h.commit(`Change ${n}`, { name: sample, email: `agent-${n}@example.net` });
    case 'github-app':
      return h.commit(`Change ${n}`, { name: m.value, email: `${1000 + n}+${m.value}@users.noreply.github.com` });
    case 'trailer':
      return h.commit(`Change ${n}\n\n${m.value}: ${m.example ?? `session-${n}`}`);
    case 'message':
      return h.commit(`Change ${n}\n\n${m.value}(https://example.net/${entry.id})`);
    case 'subject-prefix':
      return h.commit(`${m.value}change ${n}`);
    case 'branch-prefix':
      return h.merged(`${m.value}task-${n}`, `Change ${n}`);
  }
}

describe('commit-trail agent catalog', () => {
  it('ships a catalog its schema accepts, with a source and date for every marker and a note where a vendor documents none', () => {
    const catalog = builtInCatalog();
    expect(catalog.entries.length).toBeGreaterThanOrEqual(15);
    for (const e of catalog.entries) {
      if (e.markers.length === 0) expect(e.note, e.id).toBeTruthy();
      for (const m of e.markers) {
        expect(m.source.url, `${e.id} ${m.value}`).toMatch(/^https:\/\//);
        expect(m.source.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        if (m.example !== undefined) expect(new RegExp(m.kind === 'trailer' ? m.valuePattern! : m.value, 'i').test(m.example), `${e.id} ${m.value}`).toBe(true);
      }
    }
    const entry = (over: object) => ({ version: '1', entries: [{ id: 'x', name: 'X', family: 'x', vendor: 'V', ...over }] });
    expect(() => checkCatalog(entry({ markers: [] }), 'a.json')).toThrow(/a\.json is not a valid agent catalog.*note/);
    expect(() =>
      checkCatalog(entry({ markers: [{ kind: 'email', value: 'a@b', confidence: 'certain', source: { url: 'https://x', checked: '2026-01-01' } }] }), 'b.json'),
    ).toThrow(/b\.json.*entries\[0\]\.markers\[0\]\.confidence/);
    expect(() =>
      checkCatalog(
        entry({ markers: [{ kind: 'name-pattern', value: '(', example: '(', confidence: 'high', source: { url: 'https://x', checked: '2026-01-01' } }] }),
        'c.json',
      ),
    ).toThrow(/c\.json: entry x: name-pattern marker "\(" is not a valid regular expression/);
  });

  it('classes a history generated from the catalog, one commit per marker of every entry, as each entry says', async () => {
    const dir = await tempDir();
    const catalog = builtInCatalog();
    // Two repositories keep each record's detail inline (at most 50 commits a record).
    const halves = [catalog.entries.slice(0, Math.ceil(catalog.entries.length / 2)), catalog.entries.slice(Math.ceil(catalog.entries.length / 2))];
    const expected: { repo: number; id: string; entry: CatalogEntry; m: Marker }[] = [];
    let n = 0;
    for (const [i, entries] of halves.entries()) {
      const h = await history(dir, `repo${i}`);
      await h.commit('root');
      for (const entry of entries) for (const m of entry.markers) expected.push({ repo: i, id: await commitFor(h, entry, m, n++), entry, m });
    }
    const { records } = await runTrail(dir, { repos: [{ path: 'repo0' }, { path: 'repo1' }] });
    expect(records).toHaveLength(2);
    const wrong: string[] = [];
    for (const { repo, id, entry, m } of expected) {
      const d = detailOf(records[repo]!, id);
      const want = `${m.class ?? 'agent'}/${entry.id}/${entry.family}/${m.confidence}/${d.agentInvolved}`;
      const got = `${d.class}/${d.tool}/${d.family}/${d.signal?.confidence}/true`;
      if (got !== want) wrong.push(`${entry.id} ${m.kind} ${m.value}: ${got}, expected ${want}`);
      const basis = ['trailer', 'message', 'subject-prefix', 'branch-prefix'].includes(m.kind) || m.kind.startsWith('email') ? 'declared' : 'identity';
      expect(d.signal?.basis, `${entry.id} ${m.value}`).toBe(basis);
    }
    expect(wrong).toEqual([]);
    expect(expected.length).toBeGreaterThan(40);
    const record = records[0]!.data as { catalog: { version: string; sha256: string; sources: string[] } };
    expect(record.catalog).toMatchObject({ version: catalog.version, sources: [`built-in ${catalog.version}`] });
    expect(record.catalog.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps look-alikes human: a mention is not a marker', async () => {
    const dir = await tempDir();
    const h = await history(dir);
    const ids = [
      await h.commit(`Update Codex integration docs\n\nCo-authored-by: ${BOB.name} <${BOB.email}>`),
      await h.commit('Explain how Claude Code and Cursor differ\n\nWe generated with codex the fixtures last year.'),
      await h.commit('Pair with Claude\n\nCo-authored-by: Claude Martin <claude.martin@example.com>'),
      await h.commit('Vendor engineer helped\n\nCo-authored-by: Dana <dana@anthropic.com>'),
      await h.commit('Fix the cursor position', { name: 'Cursor Fan', email: 'cursor.fan@example.com' }),
      await h.commit('Note on aider: its config file'),
      await h.commit('Made with Cursor, reviewed by hand\n\nAmp-Thread-Name: not-a-thread'),
      await h.merged('docs/codex-notes', 'Notes on the Codex rollout'),
      await h.commit(`Copilot suggestions reviewed\n\nReviewed-by: ${BOB.name} <${BOB.email}>`),
    ];
    const { records } = await runTrail(dir, { repos: [{ path: 'repo' }] });
    for (const id of ids) expect(detailOf(records[0]!, id), id).toMatchObject({ class: 'human', rule: 'none', tool: null, signal: null, agentInvolved: false });
  });

  it('tells declared AI assistance from agent changes, in every documented form, and counts both per family', async () => {
    const dir = await tempDir();
    const h = await history(dir);
    const ids = {
      kernel: await h.commit('mm: fix leak\n\nAssisted-by: Claude:claude-opus-4-5 coccinelle sparse\nSigned-off-by: Alice Human <alice@example.com>'),
      freeForm: await h.commit('Tidy\n\nAssisted-by: GitHub Copilot'),
      unknown: await h.commit('Port\n\nAssisted-by: Crush:grok-4'),
      generated: await h.commit('Docs\n\nGenerated-by: OpenAI Codex'),
      vendorNoreply: await h.commit('Refactor\n\nCo-authored-by: Claude <no-reply@anthropic.com>'),
      agentWins: await h.commit('Both\n\nAssisted-by: Cursor\nCo-authored-by: Codex <noreply@openai.com>'),
      bot: await h.commit('Bump lodash', DEPENDABOT),
    };
    const { records } = await runTrail(dir, { repos: [{ path: 'repo' }] });
    const r = records[0]!;
    const got = (id: string) => {
      const d = detailOf(r, id);
      return `${d.class}/${d.rule}/${d.tool}/${d.family}/${d.signal?.basis}/${d.agentInvolved}`;
    };
    expect(got(ids.kernel)).toBe('assisted/trailer/claude-code/claude/declared/true');
    expect(got(ids.freeForm)).toBe('assisted/trailer/copilot-editor/copilot/declared/true');
    expect(got(ids.unknown)).toBe('assisted/trailer/crush/other/declared/true');
    expect(got(ids.generated)).toBe('assisted/trailer/codex/codex/declared/true');
    expect(got(ids.vendorNoreply)).toBe('agent/trailer/claude-code/claude/declared/true');
    expect(got(ids.agentWins)).toBe('agent/trailer/codex/codex/declared/true');
    expect(got(ids.bot)).toBe('bot/author/dependabot[bot]/null/undefined/false');
    const data = r.data as { counts: unknown; families: unknown; agentSignals: unknown };
    expect(data.counts).toEqual({ agent: 2, assisted: 4, bot: 1, human: 0 });
    expect(data.families).toEqual({
      claude: { agent: 1, assisted: 1 },
      copilot: { agent: 0, assisted: 1 },
      other: { agent: 0, assisted: 1 },
      codex: { agent: 1, assisted: 1 },
    });
    // Assisted changes need review like agent ones.
    expect(detailOf(r, ids.kernel)).toMatchObject({ reviewRequired: true, review: 'none' });
    expect(r.findings.map((f) => f.code)).toContain('assisted-commit-unreviewed');
    expect(JSON.stringify(r)).not.toContain('mm: fix leak');
  });

  it('takes a user catalog file that adds an agent, inline entries, the legacy options, and disables a built-in entry', async () => {
    const dir = await tempDir();
    const h = await history(dir);
    const ids = {
      added: await h.commit('Internal bot change\n\nCo-authored-by: Forge Helper <helper@agents.acme.example>'),
      inline: await h.commit('Build change', { name: 'Acme Builder', email: 'builder@acme.example' }),
      legacyEmail: await h.commit('Legacy', { name: 'Build Helper', email: 'helper@legacy.example' }),
      legacyTrailer: await h.commit('Legacy trailer\n\nX-Agent: acme-llm'),
      codex: await h.commit('Codex change\n\nCo-authored-by: Codex <noreply@openai.com>'),
    };
    const source = { url: 'https://wiki.acme.example/agents', checked: '2026-12-01' };
    await writeFile(
      join(dir, 'agents.json'),
      JSON.stringify({
        version: 'acme-3',
        entries: [
          {
            id: 'acme-forge',
            name: 'Acme Forge',
            family: 'acme',
            vendor: 'Acme',
            markers: [{ kind: 'email', value: 'helper@agents.acme.example', confidence: 'high', source }],
          },
        ],
      }),
    );
    const options = {
      repos: [{ path: 'repo' }],
      agents: {
        catalog: 'agents.json',
        entries: [
          {
            id: 'acme-builder',
            name: 'Acme Builder',
            family: 'acme',
            vendor: 'Acme',
            markers: [{ kind: 'name', value: 'Acme Builder', confidence: 'high', source }],
          },
        ],
        disable: ['codex'],
        extraEmails: ['helper@legacy.example'],
        extraTrailers: ['X-Agent: acme-llm'],
      },
    };
    const { records } = await runTrail(dir, options);
    const r = records[0]!;
    expect(detailOf(r, ids.added)).toMatchObject({ class: 'agent', rule: 'trailer', tool: 'acme-forge', family: 'acme' });
    expect(detailOf(r, ids.inline)).toMatchObject({ class: 'agent', rule: 'author', tool: 'acme-builder', family: 'acme' });
    expect(detailOf(r, ids.legacyEmail)).toMatchObject({ class: 'agent', rule: 'author', tool: 'extra', family: 'extra' });
    expect(detailOf(r, ids.legacyTrailer)).toMatchObject({ class: 'agent', rule: 'trailer', tool: 'extra' });
    expect(detailOf(r, ids.codex)).toMatchObject({ class: 'human', tool: null });
    const catalog = (r.data as { catalog: Record<string, unknown> }).catalog;
    expect(catalog).toMatchObject({
      version: `${builtInCatalog().version}+acme-3`,
      added: ['acme-forge', 'acme-builder', 'extra'],
      replaced: [],
      disabled: ['codex'],
    });
    expect(catalog.sources).toEqual([
      `built-in ${builtInCatalog().version}`,
      'file agents.json (acme-3)',
      'inline entries',
      'extraEmails/extraNames/extraTrailers',
    ]);
    // Another catalog, another hash: the record names the rules it applied.
    const plain = await runTrail(await tempDir(), { repos: [{ path: join(dir, 'repo') }] });
    expect((plain.records[0]!.data as { catalog: { sha256: string } }).catalog.sha256).not.toBe(catalog.sha256);
  });

  it('says which entry id to fix when a disabled one does not exist or the catalog file is broken', async () => {
    const dir = await tempDir();
    const h = await history(dir);
    await h.commit('root');
    // The run stops before any repository is read, and the runner records why.
    const failure = async (agents: object) => {
      const { records } = await runTrail(await tempDir(), { repos: [{ path: join(dir, 'repo') }], agents });
      expect(records.map((r) => r.status)).toEqual(['error']);
      return records[0]!.findings.map((f) => f.message).join('\n');
    };
    expect(await failure({ disable: ['codexx'] })).toMatch(/agents\.disable names "codexx".*known ids: .*codex/);
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ version: '1', entries: [{ id: 'x' }] }));
    expect(await failure({ catalog: join(dir, 'bad.json') })).toMatch(/agents\.catalog .*bad\.json is not a valid agent catalog/);
  });

  it('reads the source branch from the subjects GitHub, GitLab and git give merges', () => {
    expect(mergedBranch('Merge pull request #12 from acme/codex/fix-jitter')).toBe('codex/fix-jitter');
    expect(mergedBranch("Merge branch 'claude/cache' into 'main'")).toBe('claude/cache');
    expect(mergedBranch("Merge remote-tracking branch 'origin/copilot/fix-1'")).toBe('copilot/fix-1');
    expect(mergedBranch('Merge codex/fix by hand')).toBeNull();
  });

  it('treats a maintenance bot as an agent once it is taken off the maintenance list', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const id = await repo.commit({ message: 'Bump', at: '2026-02-01T10:00:00Z', author: DEPENDABOT });
    const { records } = await runTrail(dir, { repos: [{ path: 'repo' }], maintenanceBots: ['renovate[bot]'] });
    expect(detailOf(records[0]!, id)).toMatchObject({ class: 'agent', rule: 'author', tool: 'dependabot[bot]', family: 'github-app' });
    expect(records[0]!.subject).toEqual({ kind: 'git-repository', id: 'repo#main' });
  });
});
