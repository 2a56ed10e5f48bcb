import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { type CliResult, runCli } from '../../../test/helpers/cli.js';
import { policyConfig } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import policyDocuments from '../index.js';
import { judgePolicies, matches } from '../judge.js';

const exec = promisify(execFile);

async function run(dir: string, options: Record<string, unknown>): Promise<EvidenceRecord> {
  const { records } = await runCollectorOnce(policyDocuments, options, { configDir: dir, id: 'pol' });
  expect(records).toHaveLength(1);
  return records[0]!;
}

async function policies(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(join(dir, 'docs'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'docs', name), text);
}

describe('policy-documents', () => {
  it('passes when every required policy has a non-empty document, fingerprinting each', async () => {
    const dir = await tempDir();
    await policies(dir, {
      'Access_Control Policy.md': 'a',
      'data-retention.md': 'bb',
      'incident-response.txt': 'ccc',
      'Model Governance.md': 'dddd',
      'extra.md': 'e',
    });
    const r = await run(dir, { paths: ['docs/*'] });
    expect(r.status).toBe('pass');
    expect(r.controls).toEqual(['CC1.4', 'CC2.2', 'CC5.3']);
    const data = r.data as { documents: { path: string; sha256: string; size: number }[]; required: { id: string; document: string }[] };
    expect(data.documents).toHaveLength(5);
    expect(data.documents.find((d) => d.path === 'docs/data-retention.md')).toMatchObject({
      size: 2,
      sha256: '3b64db95cb55c763391c707108489ae18b4112d783300de38e033b4c98c3deaf',
    });
    expect(data.required.find((q) => q.id === 'access-control')!.document).toBe('docs/Access_Control Policy.md');
  });

  it('fails with a finding per missing or empty policy', async () => {
    const dir = await tempDir();
    await policies(dir, { 'access-control.md': 'x', 'data-retention.md': '' });
    const r = await run(dir, { paths: ['docs/*.md'] });
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => `${f.code}:${f.ref}`).sort()).toEqual([
      'policy-empty:docs/data-retention.md',
      'policy-missing:incident-response',
      'policy-missing:model-governance',
    ]);
  });

  it('reports a path that matches nothing, and honours custom required policies with patterns', async () => {
    const dir = await tempDir();
    await policies(dir, { 'VENDOR-mgmt-2026.pdf': 'pdf' });
    const r = await run(dir, { paths: ['docs/*', 'missing/*.md'], required: [{ id: 'vendor-management', pattern: 'vendor-mgmt-*.pdf' }] });
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([expect.objectContaining({ code: 'path-matched-nothing', ref: 'missing/*.md' })]);
  });

  it('reports a dangling symlink, a symlink loop and a FIFO as unreadable documents, and still fingerprints the rest', async () => {
    const dir = await tempDir();
    await policies(dir, { 'access-control.md': 'a', 'data-retention.md': 'b', 'incident-response.md': 'c', 'model-governance.md': 'd' });
    await symlink('../shared/vendor-policy.md', join(dir, 'docs', 'vendor-policy.md'));
    await symlink('loop.md', join(dir, 'docs', 'loop.md'));
    await exec('mkfifo', [join(dir, 'docs', 'pipe.md')]);
    // Folders a glob matches hold no document of their own: they are passed over, not reported.
    await mkdir(join(dir, 'docs', 'archive.md'));
    const r = await run(dir, { paths: ['docs/*.md'] });
    expect(r.status).toBe('fail');
    expect(r.findings).toEqual([
      { code: 'document-unreadable', severity: 'high', ref: 'docs/loop.md', message: 'docs/loop.md cannot be read: symbolic link loop' },
      { code: 'document-unreadable', severity: 'high', ref: 'docs/pipe.md', message: 'docs/pipe.md cannot be read: not a regular file (a FIFO)' },
      {
        code: 'document-unreadable',
        severity: 'high',
        ref: 'docs/vendor-policy.md',
        message: 'docs/vendor-policy.md cannot be read: dangling symbolic link',
      },
    ]);
    const data = r.data as { documents: { path: string }[]; unreadable: { path: string; reason: string }[] };
    expect(data.documents.map((d) => d.path)).toEqual([
      'docs/access-control.md',
      'docs/data-retention.md',
      'docs/incident-response.md',
      'docs/model-governance.md',
    ]);
    expect(data.unreadable).toEqual([
      { path: 'docs/loop.md', reason: 'symbolic link loop' },
      { path: 'docs/pipe.md', reason: 'not a regular file (a FIFO)' },
      { path: 'docs/vendor-policy.md', reason: 'dangling symbolic link' },
    ]);
    expect(r.summary).toBe('All 4 required policies are present among 4 fingerprinted documents, but 3 matched files cannot be read.');
  });

  it('counts a required policy whose only document cannot be read as missing, and says why', async () => {
    const dir = await tempDir();
    await policies(dir, { 'data-retention.md': 'b' });
    await symlink('/nonexistent/access-control.md', join(dir, 'docs', 'access-control.md'));
    const r = await run(dir, { paths: ['docs/*.md'], required: ['access-control', 'data-retention'] });
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => `${f.code}:${f.ref}`)).toEqual(['document-unreadable:docs/access-control.md', 'policy-missing:access-control']);
    expect(r.findings[1]!.message).toBe(
      'no readable document for the required access-control policy: docs/access-control.md cannot be read (dangling symbolic link)',
    );
    expect(r.summary).toBe('1 of 2 required policies are missing or empty among 1 documents. 1 matched file cannot be read.');
    expect((r.data as { required: unknown }).required).toEqual([
      { id: 'access-control', document: null },
      { id: 'data-retention', document: 'docs/data-retention.md' },
    ]);
  });

  it('rejects options of the wrong shape', async () => {
    await expect(runCollectorOnce(policyDocuments, { paths: [] })).rejects.toThrow(/invalid options: options\.paths: must NOT have fewer than 1 items/);
    await expect(runCollectorOnce(policyDocuments, {})).rejects.toThrow(/invalid options: options: must have required property 'paths'/);
  });
});

/** What lets root read a file of mode 000; without them root meets file modes as any user does. */
const ROOT_READS_ANYTHING = '-dac_override,-dac_read_search';
const isRoot = process.getuid?.() === 0;
const canDropCapabilities = spawnSync('setpriv', ['--version']).status === 0;

/** `evidence-agent snapshot --json` as a real process that file modes bind (as root, under setpriv without those capabilities). */
function snapshotBoundByModes(config: string): Promise<CliResult> {
  const wrapper = isRoot ? ['setpriv', `--inh-caps=${ROOT_READS_ANYTHING}`, `--bounding-set=${ROOT_READS_ANYTHING}`] : [];
  return runCli(['snapshot', '--json', '--config', config], { wrapper });
}

describe.skipIf(isRoot && !canDropCapabilities)('policy-documents through the CLI (as root: needs setpriv to drop the capabilities that read any file)', () => {
  it('reports a policy it may not read (mode 000) and records the others', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    await chmod(join(dir, 'policies', 'incident-response.md'), 0o000);
    const r = await snapshotBoundByModes(config);
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as EvidenceRecord;
    expect(record.status).toBe('fail');
    expect(record.findings).toEqual([
      {
        code: 'document-unreadable',
        severity: 'high',
        ref: 'policies/incident-response.md',
        message: 'policies/incident-response.md cannot be read: permission denied',
      },
      expect.objectContaining({ code: 'policy-missing', ref: 'incident-response' }),
    ]);
    expect((record.data as { documents: unknown[] }).documents).toHaveLength(3);
  });
});

describe('policy-documents judging (no I/O)', () => {
  const doc = (path: string, size: number) => ({ path, sha256: '0'.repeat(64), size, modifiedAt: '2026-01-01T00:00:00.000Z' });

  it('fails an empty document for a required policy and names it', () => {
    const draft = judgePolicies('pol', ['data-retention'], { documents: [doc('data-retention.md', 0)], unreadable: [], unmatched: [] });
    expect(draft.status).toBe('fail');
    expect(draft.findings).toEqual([expect.objectContaining({ code: 'policy-empty', ref: 'data-retention.md' })]);
    expect(draft.data!.required).toEqual([{ id: 'data-retention', document: 'data-retention.md' }]);
  });

  it('fails on a file that cannot be read even when every required policy is present', () => {
    const draft = judgePolicies('pol', ['data-retention'], {
      documents: [doc('data-retention.md', 5)],
      unreadable: [{ path: 'old/vendor.md', reason: 'permission denied' }],
      unmatched: [],
    });
    expect(draft.status).toBe('fail');
    expect(draft.findings).toEqual([
      { code: 'document-unreadable', severity: 'high', ref: 'old/vendor.md', message: 'old/vendor.md cannot be read: permission denied' },
    ]);
    expect(draft.summary).toBe('All 1 required policies are present among 1 fingerprinted documents, but 1 matched file cannot be read.');
  });

  it('matches ids ignoring case and punctuation, and patterns on the base name only', () => {
    expect(matches({ id: 'access-control' }, '/docs/Access_Control Policy.md')).toBe(true);
    expect(matches({ id: 'access-control' }, '/access-control/other.md')).toBe(false);
    expect(matches({ id: 'v', pattern: 'vendor-*.pdf' }, '/docs/VENDOR-2026.pdf')).toBe(true);
    expect(matches({ id: 'v', pattern: 'vendor-*.pdf' }, '/docs/vendor-2026.pdf.txt')).toBe(false);
  });
});
