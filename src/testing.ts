/**
 * The collector test kit (`evidence-agent/testing`): runs a collector the way
 * the agent does, through the real runner into a real write-once file store,
 * and hands back its records only once the store verifies.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Clock, Collector } from './collector/contract.js';
import { checkCollector, checkOptions } from './collector/registry.js';
import { type RunOutcome, runCollectors } from './collector/runner.js';
import { formatPath } from './json-schema.js';
import type { EvidenceRecord } from './record/types.js';
import { FileStore } from './store/file-store.js';
import type { EvidenceStore } from './store/types.js';
import type { ProblemKind } from './verify/problems.js';
import { type VerifyReport, verifyStore } from './verify/verify.js';

export interface RunOnceOptions {
  /**
   * The store to write to: pass the `store` of an earlier run to continue its
   * chain (the collector then sees `ctx.previous`). Default: a new file store
   * in a temporary folder.
   */
  store?: EvidenceStore;
  /** Default: the real clock. */
  clock?: Clock;
  /** Where relative paths in options resolve. Default: the current folder. */
  configDir?: string;
  /** The collector's id in the config. Default: its type. */
  id?: string;
  agentId?: string;
  timeoutMs?: number;
  log?: Logger;
  /** Lets the collector act on what it observes (`ctx.drillsAllowed`), as `--allow-drills` does. Default false. */
  drillsAllowed?: boolean;
  /** Aborts the run, as an agent shutting down does. */
  signal?: AbortSignal;
}

export interface RunOnceResult {
  /** What this run wrote, in chain order: the collector's records, or the agent's error record if it failed. */
  records: EvidenceRecord[];
  store: EvidenceStore;
  outcome: RunOutcome;
  /** The verification of the whole store after the run: nothing wrong with any record or chain (a store that does not lock is reported here only). */
  report: VerifyReport;
}

const NOT_THE_COLLECTORS: ReadonlySet<ProblemKind> = new Set(['lock-missing', 'lock-too-short', 'empty-store']);

export class CollectorTestError extends Error {
  override name = 'CollectorTestError';
}

/**
 * Checks the collector's declaration and options as the agent does at load
 * time, runs it once, and verifies the store (record schema, payload schema,
 * hashes, chain). Throws CollectorTestError naming what is wrong.
 */
export async function runCollectorOnce<Options>(collector: Collector<Options, unknown>, options: unknown, opts: RunOnceOptions = {}): Promise<RunOnceResult> {
  const checked = checkCollector(collector, `collector ${collector.type}`);
  const { options: filled, problems: invalid } = checkOptions(checked, options);
  if (invalid.length > 0) throw new CollectorTestError(`invalid options: ${invalid.map((p) => `${formatPath(p.path)}: ${p.message}`).join('; ')}`);
  const store = opts.store ?? new FileStore(await mkdtemp(join(tmpdir(), 'evidence-test-')));
  const records: EvidenceRecord[] = [];
  const id = opts.id ?? checked.type;
  const [outcome] = await runCollectors(
    [{ id, collector: checked, options: filled, controls: checked.controls, timeoutMs: opts.timeoutMs ?? 60_000, drillsAllowed: opts.drillsAllowed ?? false }],
    {
      store,
      agent: { id: opts.agentId ?? 'test-agent', version: '0.0.0-test', host: 'test-host', configSha256: '0'.repeat(64) },
      clock: opts.clock ?? { now: () => new Date() },
      log: opts.log ?? pino({ level: 'silent' }),
      configDir: opts.configDir ?? process.cwd(),
      concurrency: 1,
      onRecord: (r) => records.push(r),
      signal: opts.signal,
    },
  );
  if (outcome!.storeFailure) throw new CollectorTestError(`the store refused the run's records: ${outcome!.storeFailure}`);
  const report = await verifyStore(store);
  // A bucket a test chose not to lock is the store's posture, and a run that found nothing to record is the
  // collector's answer: neither is something the collector wrote wrong.
  const problems = report.problems.filter((p) => !NOT_THE_COLLECTORS.has(p.kind));
  if (problems.length > 0) throw new CollectorTestError(`the store does not verify: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
  return { records, store, outcome: outcome!, report };
}
