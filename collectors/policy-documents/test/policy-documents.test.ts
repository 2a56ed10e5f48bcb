import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOptions } from '../../../src/collector/registry.js';
import { runCollectors } from '../../../src/collector/runner.js';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { FileStore } from '../../../src/store/file-store.js';
import { environment } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import policyDocuments from '../index.js';

async function run(dir: string, options: Record<string, unknown>): Promise<EvidenceRecord> {
  const checked = checkOptions(policyDocuments, options);
  expect(checked.problems).toEqual([]);
  const records: EvidenceRecord[] = [];
  const store = new FileStore(join(dir, 'evidence'));
  await runCollectors(
    [{ id: 'pol', collector: policyDocuments as never, options: checked.options, controls: policyDocuments.controls, timeoutMs: 10_000 }],
    environment(store, { configDir: dir, onRecord: (r) => records.push(r) }),
  );
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

  it('rejects options of the wrong shape', () => {
    expect(checkOptions(policyDocuments, { paths: [] }).problems[0]!.message).toMatch(/must NOT have fewer than 1 items/);
    expect(checkOptions(policyDocuments, {}).problems[0]!.message).toMatch(/required property 'paths'/);
  });
});
