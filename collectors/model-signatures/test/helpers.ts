import type { EvidenceRecord } from '../../../src/record/types.js';
import { runCollectorOnce } from '../../../src/testing.js';
import modelSignatures from '../index.js';

/** Runs the collector with the given options (paths relative to `configDir`) and returns its records. */
export async function runModelSignatures(options: Record<string, unknown>, configDir: string): Promise<EvidenceRecord[]> {
  const { records } = await runCollectorOnce(modelSignatures, options, { configDir, id: 'models', timeoutMs: 120_000 });
  return records;
}

export function codes(record: EvidenceRecord): string[] {
  return record.findings.map((f) => f.code);
}
