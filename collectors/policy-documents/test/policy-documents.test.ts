import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import policyDocuments from '../index.js';
import { judgePolicies, matches } from '../judge.js';

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

  it('rejects options of the wrong shape', async () => {
    await expect(runCollectorOnce(policyDocuments, { paths: [] })).rejects.toThrow(/invalid options: options\.paths: must NOT have fewer than 1 items/);
    await expect(runCollectorOnce(policyDocuments, {})).rejects.toThrow(/invalid options: options: must have required property 'paths'/);
  });
});

describe('policy-documents judging (no I/O)', () => {
  const doc = (path: string, size: number) => ({ path, sha256: '0'.repeat(64), size, modifiedAt: '2026-01-01T00:00:00.000Z' });

  it('fails an empty document for a required policy and names it', () => {
    const draft = judgePolicies('pol', ['data-retention'], { files: ['/x/data-retention.md'], documents: [doc('data-retention.md', 0)], unmatched: [] });
    expect(draft.status).toBe('fail');
    expect(draft.findings).toEqual([expect.objectContaining({ code: 'policy-empty', ref: 'data-retention.md' })]);
    expect(draft.data!.required).toEqual([{ id: 'data-retention', document: 'data-retention.md' }]);
  });

  it('matches ids ignoring case and punctuation, and patterns on the base name only', () => {
    expect(matches({ id: 'access-control' }, '/docs/Access_Control Policy.md')).toBe(true);
    expect(matches({ id: 'access-control' }, '/access-control/other.md')).toBe(false);
    expect(matches({ id: 'v', pattern: 'vendor-*.pdf' }, '/docs/VENDOR-2026.pdf')).toBe(true);
    expect(matches({ id: 'v', pattern: 'vendor-*.pdf' }, '/docs/vendor-2026.pdf.txt')).toBe(false);
  });
});
