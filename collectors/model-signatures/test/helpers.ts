import { runCollectors } from '../../../src/collector/runner.js';
import { checkOptions } from '../../../src/collector/registry.js';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { FileStore } from '../../../src/store/file-store.js';
import { environment } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import modelSignatures from '../index.js';

/** Runs the collector with the given options (paths relative to `configDir`) and returns its records. */
export async function runModelSignatures(options: Record<string, unknown>, configDir: string): Promise<EvidenceRecord[]> {
  const checked = checkOptions(modelSignatures, options);
  if (checked.problems.length > 0) throw new Error(`bad options: ${JSON.stringify(checked.problems)}`);
  const records: EvidenceRecord[] = [];
  const store = new FileStore(await tempDir('ea-models-store-'));
  await runCollectors(
    [{ id: 'models', collector: modelSignatures as never, options: checked.options, controls: modelSignatures.controls, timeoutMs: 120_000 }],
    environment(store, { configDir, onRecord: (r) => records.push(r) }),
  );
  return records;
}

export function codes(record: EvidenceRecord): string[] {
  return record.findings.map((f) => f.code);
}
