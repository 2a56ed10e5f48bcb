import { prepareCollectors } from '../agent/collectors.js';
import { recordConfigChange } from '../agent/config-change.js';
import { agentInfo } from '../agent/what-ran.js';
import { CheckpointWitness } from '../checkpoint/witness.js';
import { writeCheckpoint } from '../checkpoint/write.js';
import type { CollectorCatalog } from '../collector/registry.js';
import { runCollectors } from '../collector/runner.js';
import { configPathFrom, loadConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { EvidenceRecord } from '../record/types.js';
import { signerFromConfig } from '../signing/from-config.js';
import { openStore } from '../store/open.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { formatFailingFindings, isFailing } from './failing-findings.js';
import { Progress } from './progress.js';
import { formatTable } from './table.js';

export interface SnapshotOptions {
  config?: string;
  only?: string[];
  json?: boolean;
  failOn?: 'fail' | 'error';
  allowDrills?: boolean;
}

const FAILING: Record<'fail' | 'error', readonly string[]> = { fail: ['fail', 'error'], error: ['error'] };

/** Runs every configured collector once and writes their records. */
export async function snapshot(opts: SnapshotOptions, catalog: CollectorCatalog, log: Logger): Promise<ExitCodeValue> {
  const config = await loadConfig(configPathFrom(opts.config));
  const instances = await prepareCollectors(config, catalog, opts.only, opts.allowDrills ? 'allowed' : 'from-config');
  const signer = await signerFromConfig(config.signing, config.dir, process.env, (reason) => log.warn(reason));
  // The inputs of every configured collector, not only those --only runs: what ran is the whole config.
  const agent = await agentInfo(config, opts.only ? await prepareCollectors(config, catalog).catch(() => instances) : instances);
  const witness = config.witness ? await CheckpointWitness.open(config.witness, config.dir, config.store.spool, log) : null;
  const store = await openStore(config.store, config.dir, { log, mode: 'write' });
  const rows: string[][] = [];
  const seen: EvidenceRecord['status'][] = [];
  const failing: EvidenceRecord[] = [];
  const progress = new Progress('collecting');
  // A stopped snapshot ends its runs through their signal, so what they started (a failover drill)
  // is undone and the failure is recorded, instead of the process dying in the middle.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn({ signal }, 'stopping: collectors in flight are aborted and record their failure');
    stop.abort(new Error(`the snapshot was stopped (${signal})`));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let finished = 0;
  const failures: string[] = [];
  try {
    const changed = await recordConfigChange(store, config, agent, new Date()).catch((err: unknown) => {
      failures.push(`the config-change record was not written: ${(err as Error).message}`);
      return null;
    });
    if (changed) log.info({ stream: changed.stream, seq: changed.seq }, 'config change recorded');
    const outcomes = await runCollectors(instances, {
      store,
      agent,
      clock: { now: () => new Date() },
      log,
      configDir: config.dir,
      concurrency: config.runner.concurrency,
      signal: stop.signal,
      onRecord: (record) => {
        seen.push(record.status);
        if (!opts.json && isFailing(record)) failing.push(record);
        if (opts.json) process.stdout.write(`${JSON.stringify(record)}\n`);
        else rows.push([record.stream, `${record.subject.kind}:${record.subject.id}`, record.status, String(record.findings.length)]);
      },
      onCollectorDone: () => progress.update(++finished, instances.length),
    });
    progress.done();
    if (!opts.json) {
      rows.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
      process.stdout.write(`${formatTable(['STREAM', 'SUBJECT', 'STATUS', 'FINDINGS'], rows)}\n`);
      if (failing.length > 0) process.stdout.write(`\n${formatFailingFindings(failing)}\n`);
      const spooled = store.unreachable ? ' (so far only into the spool: the store is unreachable)' : '';
      process.stdout.write(`${seen.length} records written to ${store.url}${spooled}\n`);
    }
    failures.push(...outcomes.filter((o) => o.storeFailure).map((o) => `${o.stream}: evidence not written: ${o.storeFailure}`));
    if (signer) {
      const heads = new Map(outcomes.flatMap((o) => (o.head ? [[o.stream, o.head] as const] : [])));
      await writeCheckpoint(store, config.agent.id, signer, new Date(), heads).then(
        ({ key }) => log.info({ key }, 'checkpoint signed'),
        (err: unknown) => failures.push(`checkpoint not written: ${(err as Error).message}`),
      );
    }
    await store.flush?.().catch((err: unknown) => failures.push(`sending the spool failed: ${(err as Error).message}`));
    if (witness && !store.unreachable) {
      const witnessed = await witness.push(store, config.agent.id);
      if (witnessed.failure) {
        failures.push(
          `${witnessed.pending} checkpoints are not witnessed at ${witnessed.witness} (${witnessed.failure}); the evidence and checkpoints are in the store, and the next run sends them to the witness`,
        );
      }
    }
    const pending = await store.pending?.();
    if (pending && pending.count > 0) {
      failures.push(
        `${pending.count} objects are still in the spool at ${pending.where}, ${pending.records} of them records${pending.reason ? ` (${pending.reason})` : ''}; they are sent first on the next run`,
      );
    }
    if (failures.length > 0) {
      throw new CliError(`${failures.join('\n')}\nCheck the store and run the snapshot again; chains continue where they stopped.`, ExitCode.runtime);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await witness?.close();
    await store.close();
  }
  if (opts.failOn && seen.some((s) => FAILING[opts.failOn!].includes(s))) return ExitCode.failOn;
  return ExitCode.ok;
}
