import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CoverageReport } from '../src/audit/coverage.js';
import type { PopulationHeader, PopulationRow } from '../src/audit/population.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const WRITER = fileURLToPath(new URL('./interop/write_store.py', import.meta.url));
const DAILY = { schedule: '0 3 * * *', timezone: 'UTC' };
const WINDOW = ['--from', '2026-03-01', '--to', '2026-03-10'];

/**
 * A store written by the independent Python writer (its plan format is at the top of write_store.py), daily over
 * 2026-03-01..10: CC7.2 on one agent and A1.3 on another, which ISO/IEC 42001 A.6.2.6 both map from (their gaps
 * overlap on the 5th only); CC6.1, which maps to nothing in ISO/IEC 42001; and a third-party id beside CC7.2.
 */
async function indieStore(): Promise<string> {
  const dir = await tempDir();
  const daily = { kind: 'plain', cadence: DAILY, start: '2026-03-01T03:00:05Z', interval: 86400, count: 10 };
  const plan = {
    agents: [
      {
        id: 'indie-1',
        streams: [
          { ...daily, collector: 'nightly', controls: ['CC7.2'], gaps: ['2026-03-05', '2026-03-08'] },
          { ...daily, collector: 'access', controls: ['CC6.1'] },
        ],
      },
      {
        id: 'indie-2',
        streams: [
          { ...daily, collector: 'uptime', controls: ['A1.3'], gaps: ['2026-03-05', '2026-03-09'] },
          { ...daily, collector: 'custom', controls: ['CC7.2', 'ACME-9'], start: '2026-03-02T03:00:05Z', count: 3 },
        ],
      },
    ],
  };
  const planFile = join(dir, 'plan.json');
  await writeFile(planFile, JSON.stringify(plan));
  await promisify(execFile)('python3', [WRITER, join(dir, 'store'), planFile]);
  return `file:${join(dir, 'store')}`;
}

async function coverageJson(store: string, ...args: string[]): Promise<{ code: number | null; report: CoverageReport }> {
  const r = await runCli(['--log-level', 'warn', 'coverage', '--store', store, ...WINDOW, '--json', ...args]);
  expect(r.stderr).toBe('');
  return { code: r.code, report: JSON.parse(r.stdout) as CoverageReport };
}

async function jsonl(path: string): Promise<{ header: PopulationHeader; rows: PopulationRow[] }> {
  const [first, ...rest] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  return { header: (JSON.parse(first!) as { population: PopulationHeader }).population, rows: rest.map((l) => JSON.parse(l) as PopulationRow) };
}

describe('--framework', () => {
  it('gives coverage by ISO/IEC 42001 id, combining the streams of every SOC 2 id that maps to it, and lists what maps to nothing', async () => {
    const store = await indieStore();
    const { code, report } = await coverageJson(store, '--framework', 'iso42001');
    expect(code).toBe(0);
    expect(report.framework).toMatchObject({ id: 'iso42001', official: false, file: 'evidence-schema/controls/soc2-to-iso42001.json' });
    expect(report.framework.status).toMatch(/not an official/);
    const rows = report.controls.map((c) => [c.control, c.soc2Controls, c.streams, c.periods, c.evidenced, c.gaps]);
    expect(rows).toEqual([
      // CC7.2 and A1.3 streams combined: only the 5th, a gap in both, is a gap.
      ['A.6.2.6', ['CC7.2', 'A1.3'], ['indie-1/nightly', 'indie-2/custom', 'indie-2/uptime'], 10, 9, 1],
      ['A.6.2.8', ['CC7.2'], ['indie-1/nightly', 'indie-2/custom'], 10, 8, 2],
    ]);
    expect(report.controls[0]!.title).toEqual(expect.any(String));
    expect(report.unmapped).toEqual({
      controls: [
        { control: 'CC6.1', title: expect.any(String), records: 10, streams: ['indie-1/access'] },
        { control: 'ACME-9', title: null, records: 3, streams: ['indie-2/custom'] },
      ],
      // The custom stream's records also state CC7.2, so only the access stream's count under no control.
      records: 10,
    });

    // The same store under SOC 2 is as the records state it.
    const soc2 = await coverageJson(store);
    expect(soc2.report.framework.id).toBe('soc2');
    expect(soc2.report.controls.map((c) => c.control)).toEqual(['CC6.1', 'CC7.2', 'A1.3', 'ACME-9']);
    expect(soc2.report.unmapped).toEqual({ controls: [], records: 0 });
  });

  it('reads --control in the framework, applies --min to its controls, and says the mapping is not official', async () => {
    const store = await indieStore();
    const { code, report } = await coverageJson(store, '--framework', 'iso42001', '--control', 'a.6.2.6', '--min', '95');
    expect(code).toBe(3);
    expect(report.selected).toEqual({ control: 'A.6.2.6', soc2Controls: ['CC7.2', 'A1.2', 'A1.3'] });
    expect(report.controls.map((c) => [c.control, c.percent])).toEqual([['A.6.2.6', 90]]);
    expect(report.streams.map((s) => s.stream)).toEqual(['indie-1/nightly', 'indie-2/custom', 'indie-2/uptime']);

    const table = await runCli(['--log-level', 'warn', 'coverage', '--store', store, ...WINDOW, '--framework', 'iso42001']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("through this project's own mapping, not an official one (evidence-schema/controls/soc2-to-iso42001.json)");
    expect(table.stdout).toMatch(/^A\.6\.2\.6 +CC7\.2 A1\.3 +0 3 \* \* \* UTC +10 +9 .* Operating and monitoring/m);
    expect(table.stdout).toMatch(/SOC 2 ids that map to nothing in ISO\/IEC 42001.* \(10 records state only such ids/);
    expect(table.stdout).toMatch(/^ {2}CC6\.1 \(.+\): 10 records in indie-1\/access$/m);

    // A control no SOC 2 criterion maps to is 0%, and says why.
    const none = await runCli(['--log-level', 'warn', 'coverage', '--store', store, ...WINDOW, '--framework', 'iso42001', '--control', 'A.4.2', '--min', '1']);
    expect(none.code).toBe(3);
    expect(none.stdout).toContain('--control A.4.2: no SOC 2 criterion maps to it');
  });

  it('exports the population of an ISO/IEC 42001 control, with the query and each row in both frameworks', async () => {
    const store = await indieStore();
    const dir = await tempDir();
    const out = join(dir, 'population.jsonl');
    const r = await runCli(['--log-level', 'warn', 'population', '--store', store, ...WINDOW, '--framework', 'iso42001', '--control', 'A.6.2.6', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('19 records of iso42001 control A.6.2.6 (records stating CC7.2 or A1.2 or A1.3)');
    const { header, rows } = await jsonl(out);
    expect(header.query).toMatchObject({ framework: 'iso42001', control: 'A.6.2.6', soc2Controls: ['CC7.2', 'A1.2', 'A1.3'], unit: 'record' });
    // 8 nightly, 8 uptime, 3 custom: the access stream's CC6.1 maps elsewhere.
    expect(header.rows).toBe(19);
    const byStream = (stream: string) => rows.filter((row) => row.stream === stream);
    expect(byStream('indie-1/nightly')).toHaveLength(8);
    expect(byStream('indie-2/uptime')).toHaveLength(8);
    expect(byStream('indie-1/access')).toHaveLength(0);
    expect(byStream('indie-2/uptime')[0]).toMatchObject({ controls: ['A1.3'], frameworkControls: ['A.6.2.6'] });
    expect(byStream('indie-2/custom')[0]).toMatchObject({ controls: ['CC7.2', 'ACME-9'], frameworkControls: ['A.6.2.6', 'A.6.2.8'] });

    // CSV joins the ids with ";", since some frameworks' ids hold spaces.
    const csv = join(dir, 'population.csv');
    const n = await runCli([
      '--log-level',
      'warn',
      'population',
      '--store',
      store,
      ...WINDOW,
      '--framework',
      'eu-ai-act',
      '--control',
      'article 12',
      '--out',
      csv,
    ]);
    expect(n.code).toBe(0);
    const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines[0]!.slice(2)).population.query).toMatchObject({ framework: 'eu-ai-act', control: 'Art. 12', soc2Controls: ['CC7.2'] });
    expect(lines.filter((l) => l.includes(',indie-2/custom,'))[0]).toMatch(/,CC7\.2;ACME-9,Art\. 12;Art\. 72$/);
  });

  it('samples a framework control into a package whose manifest records the framework, and that verifies', async () => {
    const store = await indieStore();
    const dir = await tempDir();
    const out = join(dir, 'package');
    const args = [
      '--log-level',
      'warn',
      'sample',
      '--store',
      store,
      ...WINDOW,
      '--framework',
      'eu-ai-act',
      '--control',
      'Art. 12',
      '--seed',
      's1',
      '--size',
      '3',
    ];
    const r = await runCli([...args, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Sampled 3 of 11 records of eu-ai-act control Art. 12 (records stating CC7.2)');
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { query: Record<string, unknown>; selected: { key: string }[] };
    expect(manifest.query).toMatchObject({ framework: 'eu-ai-act', control: 'Art. 12', soc2Controls: ['CC7.2'], seed: 's1', size: 3 });
    for (const s of manifest.selected) expect(s.key).toMatch(/^records\/(indie-1\/nightly|indie-2\/custom)\//);
    const verified = await runCli(['--log-level', 'warn', 'verify', '--store', `file:${out}`]);
    expect(verified.stdout).toContain('OK: every file matches manifest.json');
    expect(verified.code).toBe(0);

    // A control no SOC 2 criterion maps to has nothing to sample.
    const none = await runCli([
      '--log-level',
      'warn',
      'sample',
      '--store',
      store,
      ...WINDOW,
      '--framework',
      'iso42001',
      '--control',
      'A.4.2',
      '--seed',
      's',
      '--out',
      join(dir, 'p2'),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no SOC 2 criterion maps to iso42001 control A.4.2');
  });

  it('refuses an unknown framework on each command, listing the choices', async () => {
    const store = await indieStore();
    const dir = await tempDir();
    for (const command of [
      ['coverage'],
      ['population', '--control', 'CC7.2', '--out', join(dir, 'p.jsonl')],
      ['sample', '--control', 'CC7.2', '--seed', 's', '--out', join(dir, 'pkg')],
    ]) {
      const r = await runCli(['--log-level', 'warn', command[0]!, '--store', store, ...WINDOW, ...command.slice(1), '--framework', 'iso9001']);
      expect(r.code, command[0]).toBe(2);
      expect(r.stderr).toContain('unknown framework "iso9001": choose one of soc2, iso42001, iso27001, nist-ai-rmf, eu-ai-act');
    }
  });

  it('refuses a control the framework does not list, naming the valid ids and the file; a SOC 2 id that records state is accepted', async () => {
    const store = await indieStore();
    const dir = await tempDir();
    const coverage = await runCli(['--log-level', 'warn', 'coverage', '--store', store, ...WINDOW, '--framework', 'iso42001', '--control', 'CC7.2']);
    expect(coverage.code).toBe(2);
    expect(coverage.stderr).toMatch(/unknown iso42001 control "CC7\.2": choose one of A\.2\.2, .*A\.6\.2\.6.* \(listed in .*soc2-to-iso42001\.json\)/);

    const population = await runCli(['--log-level', 'warn', 'population', '--store', store, ...WINDOW, '--control', 'CC99.9', '--out', join(dir, 'p.jsonl')]);
    expect(population.code).toBe(2);
    // Under soc2 the choices are the catalog's ids and the ones records of the window state.
    expect(population.stderr).toMatch(/unknown soc2 control "CC99\.9": choose one of CC1\.1, .*P8\.1, ACME-9 \(listed in .*soc2\.json\)/);

    const sample = await runCli([
      '--log-level',
      'warn',
      'sample',
      '--store',
      store,
      ...WINDOW,
      '--framework',
      'nist-ai-rmf',
      '--control',
      'MEASURE 9.9',
      '--seed',
      's',
      '--out',
      join(dir, 'pkg'),
    ]);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toMatch(/unknown nist-ai-rmf control "MEASURE 9\.9": choose one of .*MEASURE 2\.6/);

    const own = await runCli(['--log-level', 'warn', 'population', '--store', store, ...WINDOW, '--control', 'ACME-9', '--out', join(dir, 'own.jsonl')]);
    expect(own.code).toBe(0);
    expect((await jsonl(join(dir, 'own.jsonl'))).header).toMatchObject({ rows: 3, query: { framework: 'soc2', control: 'ACME-9', soc2Controls: ['ACME-9'] } });
    const ownCoverage = await coverageJson(store, '--control', 'ACME-9');
    expect(ownCoverage.report.controls.map((c) => [c.control, c.title, c.evidenced])).toEqual([['ACME-9', null, 3]]);
  });
});
