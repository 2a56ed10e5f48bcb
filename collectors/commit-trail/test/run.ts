import { join } from 'node:path';
import type { Clock } from '../../../src/collector/contract.js';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { FileStore } from '../../../src/store/file-store.js';
import { type RunOnceOptions, runCollectorOnce } from '../../../src/testing.js';
import commitTrail from '../index.js';
import type { CommitDetail } from '../schema.js';

export const NOW = Date.parse('2026-03-01T12:00:00Z');

/** A clock that always reads `at`, so the window's end is exactly where the test puts it. */
export function fixedClock(at: number | string = NOW): Clock {
  const t = typeof at === 'string' ? Date.parse(at) : at;
  return { now: () => new Date(t) };
}

export interface Run {
  records: EvidenceRecord[];
  store: FileStore;
}

/**
 * Runs the collector once through the test kit into a file store in
 * `dir/evidence`, so records are validated against the payload schema and
 * chained, and the store is verified; a later run on the same `dir` sees the
 * earlier records as `previous`.
 */
export async function runTrail(
  dir: string,
  options: Record<string, unknown>,
  clock: Clock = fixedClock(),
  id = 'commits',
  env: Pick<RunOnceOptions, 'log' | 'signal' | 'agentId' | 'timeoutMs'> = {},
): Promise<Run> {
  const store = new FileStore(join(dir, 'evidence'));
  const { records } = await runCollectorOnce(commitTrail, options, { store, clock, configDir: dir, id, timeoutMs: 20_000, ...env });
  return { records, store };
}

export function commitsOf(record: EvidenceRecord): CommitDetail[] {
  return (record.data as unknown as { commits: CommitDetail[] }).commits;
}

export function detailOf(record: EvidenceRecord, id: string): CommitDetail {
  const found = commitsOf(record).find((c) => c.id === id);
  if (!found) throw new Error(`commit ${id} is not in the record`);
  return found;
}

export function codes(record: EvidenceRecord): string[] {
  return record.findings.map((f) => `${f.code}:${f.ref ?? ''}`).sort();
}
