import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtins } from '../collectors/index.js';
import type { Collector } from '../src/collector/contract.js';
import { runCollectors } from '../src/collector/runner.js';
import type { RecordDraft } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import { chromiumUnavailable, visitPage } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { preparedDemo } from './helpers/demo.js';
import { environment, instance } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRITER = fileURLToPath(new URL('./interop/write_store.py', import.meta.url));
const run = promisify(execFile);

/** Strings a store's writer controls, each of which would load something or run script if it reached the page as markup. */
const SCRIPT = '</svg></table><script>document.title="pwned"</script>';
const IMAGE = '<img src=http://127.0.0.1:9/leak.png>';

/** The report of `store` over the window, written by the real CLI into a fresh folder; returns the file and its text. */
async function report(store: string, from: string, to: string, extra: string[] = []) {
  const out = join(await tempDir('ea-report-'), 'report.html');
  const r = await runCli(['--log-level', 'warn', 'report', '--store', store, '--from', from, '--to', to, '--out', out, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return { out, page: await readFile(out, 'utf8') };
}

/** Sections as the page titles them: the text of every h2. */
function headings(page: string): string[] {
  return [...page.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1]!);
}

/**
 * A page that can only render what the store says: store strings are escaped, so every `<` left starts a tag the
 * report wrote; none of them may run script or load anything, and links only point inside the page.
 */
function expectInert(page: string): void {
  const tags = page.replace(/"[^"]*"/g, '""').match(/<[^>]*>/g) ?? [];
  expect(tags.filter((t) => /^<\/?(script|img|iframe|frame|link|object|embed|image|use|foreignObject|audio|video|source|base|form)\b/i.test(t))).toEqual([]);
  expect(tags.filter((t) => /\s(src|srcset|xlink:href|action|formaction|on[a-z]+)\s*=/i.test(t))).toEqual([]);
  expect([...page.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]).filter((h) => !h!.startsWith('#'))).toEqual([]);
  expect(page).not.toMatch(/url\(|@import/i);
}

const today = new Date().toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('the report of the demo store (every built-in collector, real CLI)', () => {
  let evidence: string;

  beforeAll(async () => {
    // Kept for the whole suite (tempDir folders go after each test), removed by the returned teardown.
    const demo = await mkdtemp(join(tmpdir(), 'ea-report-demo-'));
    await preparedDemo(demo);
    // As `npm run demo` does: the snapshot runs under the loopback failover pair, so the drill is timed for real.
    await run(process.execPath, [
      join(ROOT, 'dist/collectors/failover/demo/pair.js'),
      process.execPath,
      join(ROOT, 'bin/evidence-agent.js'),
      '--log-level',
      'warn',
      'snapshot',
      '--config',
      join(demo, 'config/demo.yaml'),
    ]);
    evidence = join(demo, 'evidence');
    return () => rm(demo, { recursive: true, force: true });
  }, 120_000);

  it('has a section per control with both strips, each family, the chain heads, the checkpoint and how to re-verify', async () => {
    const { page } = await report(`file:${evidence}`, yesterday, today);
    const h2 = headings(page);
    for (const family of builtins.reports.map((p) => p.title)) expect(h2).toContain(family);
    expect(h2.some((h) => h.startsWith('CC8.1 — '))).toBe(true);
    expect(page).toMatch(/<table>.*CC8\.1/s);
    // Both models with their newest result; the tampered one fails.
    expect(page).toMatch(/<td>ranker<\/td><td><span class="status-fail">fail<\/span>/);
    expect(page).toMatch(/<td>fraud-detector<\/td><td><span class="status-pass">pass<\/span>/);
    // One unreviewed agent commit, named by its id, and the author classes of the demo repository.
    expect(page).toMatch(/1 agent-involved changes \(made by an agent, or declared AI-assisted\) reached it with no human reviewer/);
    expect(page).toMatch(
      /aria-label="Commits that reached [^"]*: agent 5 commits \(45\.5%\); assisted 0 commits \(0\.0%\); bot 1 commits \(9\.1%\); human 5 commits \(45\.5%\)"/,
    );
    expect(page).toMatch(/fraud-api: recovery time per drill: 1 runs, 0 over RTO 5 s/);
    expect(page).toMatch(/ranker — no lineage/);
    expect(page).toMatch(/passes-prompts/);
    // Open findings carry their severity; a coverage strip and a status strip per control.
    expect(page).toMatch(/<span class="sev sev-critical">critical<\/span><\/td><td><code>file-digest-mismatch<\/code>/);
    const controls = (page.match(/<section class="control"/g) ?? []).length;
    expect(controls).toBeGreaterThan(3);
    expect((page.match(/aria-label="[^"]* coverage by day: \d+ days/g) ?? []).length).toBe(controls);
    expect((page.match(/aria-label="[^"]* worst record status by day: \d+ periods/g) ?? []).length).toBe(controls);
    // Heads are signed by the checkpoint the snapshot wrote, whose payload hash is given.
    expect(page).toMatch(/#0, \d{4}-\d\d-\d\dT[^,]+, payload sha256 <code>[0-9a-f]{23}…<\/code>/);
    expect(page).toContain(`npx evidence-agent verify --store file:${evidence} --from `);
    expect(page).toContain('evidence-schema/README.md');
    expectInert(page);
  }, 60_000);

  it.skipIf(chromiumUnavailable !== null)(
    `loads in headless chromium with no console error and no request leaving the file ${chromiumUnavailable ?? ''}`,
    async () => {
      const { out } = await report(`file:${evidence}`, yesterday, today);
      const visit = await visitPage(out, 'audit-report-demo');
      expect(visit.problems).toEqual([]);
      expect((await stat(visit.screenshot)).size).toBeGreaterThan(10_000);
    },
    60_000,
  );

  it('--framework iso42001 speaks ISO/IEC 42001 ids, with their titles and where they come from', async () => {
    const { page } = await report(`file:${evidence}`, yesterday, today, ['--framework', 'iso42001']);
    const h2 = headings(page);
    expect(h2.some((h) => h.startsWith('A.6.2.4 — '))).toBe(true);
    expect(h2.some((h) => /^(CC|PI|A1|C1|P\d)/.test(h))).toBe(false);
    expect(page).toMatch(/From SOC 2 [^(]*CC8\.1[^(]* \(this project's own crosswalk\)/);
    expect(page).toContain('(<code>iso42001</code>)');
  }, 60_000);

  it('refuses an unknown framework (exit 2, listing the choices) and an --out that exists', async () => {
    const dir = await tempDir('ea-report-');
    const bad = await runCli(['report', '--store', `file:${evidence}`, '--from', yesterday, '--to', today, '--framework', 'pci', '--out', join(dir, 'r.html')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--framework: unknown framework "pci": choose one of soc2, iso42001, iso27001, nist-ai-rmf, eu-ai-act/);
    await writeFile(join(dir, 'kept.html'), 'an earlier report');
    const exists = await runCli(['report', '--store', `file:${evidence}`, '--from', yesterday, '--to', today, '--out', join(dir, 'kept.html')]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/--out .*kept\.html already exists/);
    expect(await readFile(join(dir, 'kept.html'), 'utf8')).toBe('an earlier report');
  });
});

describe.skipIf(!existsSync(WRITER))('the report of a store written by the independent Python writer', () => {
  it('has the generic sections (coverage with explained and unexplained gaps, status, findings) and renders hostile subjects as text', async () => {
    const root = await tempDir('ea-report-indie-');
    const plan = {
      agents: [
        {
          id: 'indie-a',
          streams: [
            {
              collector: 'commits',
              kind: 'range',
              controls: ['CC8.1'],
              cadence: { every: 'daily' },
              start: '2026-01-01T02:00:00Z',
              interval: 86400,
              count: 31,
              subjects: [SCRIPT, IMAGE],
              gaps: [['2026-01-10', '2026-01-12'], '2026-01-20'],
              fail: ['2026-01-31'],
              notices: [{ kind: 'missed-runs', at: '2026-01-13T08:00:00Z', from: '2026-01-09T02:00:00Z', to: '2026-01-13T01:00:00Z', missedRuns: 3 }],
            },
          ],
        },
      ],
    };
    await run('sh', ['-c', `python3 '${WRITER}' '${root}' - <<'EOF'\n${JSON.stringify(plan)}\nEOF`]);
    const { out, page } = await report(`file:${root}`, '2026-01-01', '2026-01-31');
    expect(headings(page)).toEqual(expect.arrayContaining([expect.stringMatching(/^CC8\.1 — /), 'Streams', 'Chain heads and checkpoints', 'Definitions']));
    // No family section for a type the agent does not know.
    expect(headings(page).filter((h) => builtins.reports.some((p) => p.title === h))).toEqual([]);
    expect(page).toMatch(
      /CC8\.1 coverage by day: 31 days \(evidenced: 27, attempted \(errors only\): 0, explained gap: 3, unexplained gap: 1, outside the window: 0\)/,
    );
    expect(page).toMatch(/worst record status by day: 31 periods \(pass: 26, fail: 1, /);
    // Both hostile subjects fail on the last day: their findings are open, under their names as text.
    expect(page).toContain('&lt;/svg&gt;&lt;/table&gt;&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(page).toContain('&lt;img src=http://127.0.0.1:9/leak.png&gt;');
    expectInert(page);
    if (chromiumUnavailable === null) {
      const visit = await visitPage(out, 'audit-report-independent');
      expect(visit.problems).toEqual([]);
    }
  }, 60_000);
});

/** Records of the built-in families' types, every string of which is hostile: the families' sections must escape them too. */
function hostileCollector(type: string, draft: RecordDraft): Collector {
  return {
    type,
    version: '1.0.0',
    controls: ['CC8.1'],
    optionsSchema: { type: 'object' },
    payloadSchema: { type: 'object' },
    async *collect() {
      yield draft;
    },
  };
}

describe('hostile strings in records of the built-in families', () => {
  it('render as text in every section, and the page loads nothing', async () => {
    const root = await tempDir('ea-report-hostile-');
    const store = new FileStore(root);
    const said = `${SCRIPT}${IMAGE}`;
    const subject = { kind: said, id: said };
    const finding = { code: 'agent-commit-unreviewed', severity: 'high' as const, message: said, ref: said };
    const instances = [
      instance(
        'models',
        hostileCollector('model-signatures', { subject, status: 'fail', summary: said, findings: [{ ...finding, code: 'file-digest-mismatch' }] }),
      ),
      instance(
        'commits',
        hostileCollector('commit-trail', { subject, status: 'fail', summary: said, findings: [finding], data: { counts: { agent: 1, human: 2, bot: 0 } } }),
      ),
      instance(
        'lineage',
        hostileCollector('lineage', { subject, status: 'pass', summary: said, data: { deployedModels: [{ name: said, lineage: true, inputs: [said] }] } }),
      ),
      instance(
        'failover',
        hostileCollector('failover', {
          subject,
          status: 'pass',
          summary: said,
          data: { drillOutcome: said, source: said, recoverySeconds: 2, slo: { rtoSeconds: 1 } },
        }),
      ),
      instance(
        'logs',
        hostileCollector('log-redaction', {
          subject,
          status: 'pass',
          summary: said,
          data: { kind: said, verdicts: [{ pipeline: said, verdict: said, reason: said }] },
        }),
      ),
    ];
    await runCollectors(instances, environment(store, { concurrency: 1 }));
    const { out, page } = await report(`file:${root}`, '2026-03-01', '2026-03-02');
    for (const title of builtins.reports.map((p) => p.title)) expect(headings(page)).toContain(title);
    expectInert(page);
    expect(page.split('&lt;script&gt;').length).toBeGreaterThan(10);
    if (chromiumUnavailable === null) {
      const visit = await visitPage(out, 'audit-report-hostile');
      expect(visit.problems).toEqual([]);
    }
  }, 60_000);
});
