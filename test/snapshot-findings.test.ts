import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { policyConfig } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

/** 25 required policies the folder does not have: one failing record with 25 findings. */
const MISSING = Array.from({ length: 25 }, (_, i) => `policy-${String(i + 1).padStart(2, '0')}`);

describe('snapshot prints the findings of failing records under its table (real CLI)', () => {
  it('lists severity, code, ref and message per failing record, capped with a count of the rest', async () => {
    const dir = await tempDir();
    const config = await policyConfig(
      dir,
      [
        '  - id: vendor',
        '    use: policy-documents',
        '    options: { paths: [policies/*.md, contracts/*.pdf], required: [vendor-management] }',
        '  - id: many',
        '    use: policy-documents',
        `    options: { paths: [policies/*.md], required: [${MISSING.join(', ')}] }`,
        '',
      ].join('\n'),
    );
    const r = await runCli(['snapshot', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const table = lines.findIndex((l) => l.startsWith('STREAM'));
    const heading = lines.indexOf('Findings of failing records:');
    expect(heading).toBeGreaterThan(table);
    // 20 finding lines at most, shared out in turns, so one noisy record does not hide the others.
    const line = (severity: string, code: string, ref: string, message: string) => `  ${severity.padEnd(6)}  ${code.padEnd(20)}  ${ref.padEnd(17)}  ${message}`;
    expect(lines.slice(heading)).toEqual([
      'Findings of failing records:',
      't1/many  policy-set:many  fail',
      ...MISSING.slice(0, 18).map((id) => line('high', 'policy-missing', id, `no document for the required ${id} policy`)),
      '  … and 7 more findings; snapshot --json prints every record in full',
      't1/vendor  policy-set:vendor  fail',
      line('medium', 'path-matched-nothing', 'contracts/*.pdf', 'no file matches contracts/*.pdf'),
      line('high', 'policy-missing', 'vendor-management', 'no document for the required vendor-management policy'),
      '',
      `3 records written to file:${dir}/evidence`,
    ]);
    // The passing record has no findings to show.
    expect(r.stdout).not.toMatch(/t1\/policies\s+policy-set:policies\s+pass\n {2}/);
  });

  it('prints no findings block when nothing fails, nor with --json', async () => {
    const dir = await tempDir();
    const config = await policyConfig(
      dir,
      '  - id: vendor\n    use: policy-documents\n    options: { paths: [policies/*.md], required: [vendor-management] }\n',
    );
    expect((await runCli(['snapshot', '--config', config, '--only', 'policies'])).stdout).not.toMatch(/Findings/);
    const json = await runCli(['snapshot', '--config', config, '--json']);
    expect(json.stdout).not.toMatch(/Findings of failing records/);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { status: string }).status),
    ).toEqual(expect.arrayContaining(['fail', 'pass']));
  });
});
