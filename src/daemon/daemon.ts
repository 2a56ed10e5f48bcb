import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { prepareCollectors } from '../agent/collectors.js';
import { recordConfigChange } from '../agent/config-change.js';
import { agentInfo, effectiveSha256 } from '../agent/what-ran.js';
import { StreamWriters } from '../chain/stream-writer.js';
import { CheckpointWitness, type WitnessOutcome } from '../checkpoint/witness.js';
import { writeCheckpoint } from '../checkpoint/write.js';
import type { Clock } from '../collector/contract.js';
import type { CollectorCatalog } from '../collector/registry.js';
import { type CollectorInstance, type RunEnvironment, runCollectors, writeNotice } from '../collector/runner.js';
import { type AgentConfig, type CollectorEntry, loadConfig } from '../config/load.js';
import type { AgentInfo } from '../record/types.js';
import { signerFromConfig } from '../signing/from-config.js';
import type { BundleSigner } from '../signing/sign.js';
import { openStore } from '../store/open.js';
import type { EvidenceStore } from '../store/types.js';
import { DaemonServer } from './http-server.js';
import { CollectorLifecycles } from './lifecycle.js';
import { DaemonMetrics } from './metrics.js';
import { countMissedRuns } from './missed-runs.js';
import { logSchedules } from './schedule-log.js';

interface Scheduled {
  instance: CollectorInstance;
  entry: CollectorEntry & { schedule: string };
}

interface Loaded {
  config: AgentConfig;
  instances: CollectorInstance[];
  scheduled: Scheduled[];
}

/** Loads a config for the daemon (schedules and zones are checked by loadConfig); throws ConfigError naming the line. */
async function loadForDaemon(path: string, catalog: CollectorCatalog): Promise<Loaded> {
  const config = await loadConfig(path);
  const instances = await prepareCollectors(config, catalog);
  const scheduled = config.collectors.flatMap((entry) =>
    entry.schedule ? [{ entry: entry as Scheduled['entry'], instance: instances.find((i) => i.id === entry.id)! }] : [],
  );
  return { config, instances, scheduled };
}

/** How long the collectors of a replaced config get to close on a reload. */
const RELOAD_CLOSE_MS = 5000;

/**
 * How often an unreachable store is tried between runs as well as after each,
 * so a daemon whose collectors run daily is ready again soon after the store is back.
 */
const RECONNECT_MS = 30_000;

export interface DaemonOptions {
  configPath: string;
  catalog: CollectorCatalog;
  log: Logger;
  clock?: Clock;
}

/**
 * Runs collectors on their schedules for months on end: one writer per
 * stream, no overlapping runs, missed runs recorded on start, a checkpoint
 * after each run, and an HTTP server for probes, metrics and collector routes.
 */
export class Daemon {
  private loaded!: Loaded;
  private store!: EvidenceStore;
  private writers!: StreamWriters;
  private signer: BundleSigner | null = null;
  private witness: CheckpointWitness | null = null;
  /** The newest push to the witness: what /readyz and the metrics say about it. */
  private witnessed: WitnessOutcome | null = null;
  private agent!: AgentInfo;
  /** The effective config the store's newest config-change record states, once this process knows it. */
  private recordedEffective: string | null = null;
  private whatRanChecks: Promise<unknown> = Promise.resolve();
  private tasks: ScheduledTask[] = [];
  private lifecycles: CollectorLifecycles | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private checkpoints: Promise<unknown> = Promise.resolve();
  private reconnects: NodeJS.Timeout | undefined;
  private reloads: Promise<unknown> = Promise.resolve();
  private started = false;
  private stopping = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly metrics: DaemonMetrics;
  readonly server: DaemonServer;

  constructor(private readonly options: DaemonOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.log = options.log;
    this.metrics = new DaemonMetrics(async () => (this.store?.pending ? (await this.store.pending()).records : 0));
    this.server = new DaemonServer(
      {
        // Not ready while the store cannot be reached, though runs go on into the spool.
        ready: () => this.started && !this.stopping && !this.store?.unreachable,
        // Not a reason to be unready (collection goes on, and the checkpoints wait in the store), but said.
        notes: () =>
          this.witnessed?.failure ? [`witness ${this.witnessed.witness}: ${this.witnessed.pending} checkpoints pending (${this.witnessed.failure})`] : [],
        metrics: async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() }),
      },
      this.log,
    );
  }

  private environment(): RunEnvironment {
    const { config } = this.loaded;
    return {
      store: this.store,
      agent: this.agent,
      clock: this.clock,
      log: this.log,
      configDir: config.dir,
      concurrency: 1,
      signal: this.abort.signal,
      writers: this.writers,
    };
  }

  async start(): Promise<{ host: string; port: number }> {
    this.loaded = await loadForDaemon(this.options.configPath, this.options.catalog);
    const { config } = this.loaded;
    this.signer = await signerFromConfig(config.signing, config.dir, process.env, (reason) => this.log.warn(reason));
    const address = await this.server.listen(config.server.listen);
    this.store = await openStore(config.store, config.dir, { log: this.log, mode: 'write' });
    this.writers = new StreamWriters(this.store);
    if (config.witness) this.witness = await CheckpointWitness.open(config.witness, config.dir, config.store.spool, this.log);
    await this.checkWhatRan();
    await this.recordMissedRuns();
    this.lifecycles = await CollectorLifecycles.start(this.loaded.instances, this.server, this.environment());
    await this.replaceTasks(this.loaded.scheduled);
    this.reconnects = setInterval(() => {
      if (this.store.unreachable) this.flushSpool();
    }, RECONNECT_MS).unref();
    this.started = true;
    logSchedules(this.log, this.loaded, 'daemon started', { listen: `${address.host}:${address.port}` });
    return address;
  }

  /**
   * Puts tasks for `scheduled` in place of the running ones. The running ones
   * are only paused until every new one has started, so a task that cannot
   * start leaves the daemon on its old schedule rather than on none.
   */
  private async replaceTasks(scheduled: Scheduled[]): Promise<void> {
    const cron = await import('node-cron');
    const previous = this.tasks;
    await Promise.all(previous.map((t) => t.stop()));
    const next: ScheduledTask[] = [];
    try {
      for (const { entry } of scheduled) {
        const task = cron.createTask(entry.schedule, (context) => this.onTick(entry.id, context.date), {
          name: entry.id,
          timezone: entry.timezone ?? 'UTC',
          ...(entry.jitterSeconds ? { maxRandomDelay: entry.jitterSeconds * 1000 } : {}),
        });
        next.push(task);
        await task.start();
      }
    } catch (err) {
      await Promise.allSettled(next.map(async (t) => t.destroy()));
      await Promise.all(previous.map((t) => t.start()));
      throw err;
    }
    this.tasks = next;
    await Promise.all(previous.map((t) => t.destroy()));
  }

  /** On start, one `info` record per stream that should have run while the daemon was down, so the gap is explained. */
  private async recordMissedRuns(): Promise<void> {
    const cron = await import('node-cron');
    const env = this.environment();
    const now = this.clock.now();
    for (const { entry, instance } of this.loaded.scheduled) {
      // A stream whose head cannot be read now (its store unreachable since the start) is not
      // written to; its runs say so each time, and the daemon starts all the same.
      const writer = await this.writers.get(`${env.agent.id}/${entry.id}`).catch((err: unknown) => {
        this.log.error({ err, collector: entry.id }, 'cannot read the head of the stream; missed runs not recorded');
        return null;
      });
      const last = writer?.previous;
      if (!last) continue;
      const probe = cron.createTask(entry.schedule, () => undefined, { timezone: entry.timezone ?? 'UTC' });
      const { count, capped } = countMissedRuns(probe, cron.parse(entry.schedule).second, new Date(last.observedAt), now);
      await probe.destroy();
      if (count === 0) continue;
      await writeNotice(
        instance,
        {
          subject: { kind: 'collector', id: entry.id },
          status: 'info',
          summary: `${count}${capped ? ' or more' : ''} scheduled runs of ${entry.id} were missed between ${last.observedAt} and ${now.toISOString()} while the agent was not running.`,
          data: {
            notice: 'missed-runs',
            from: last.observedAt,
            to: now.toISOString(),
            missedRuns: count,
            capped,
            schedule: entry.schedule,
            timezone: entry.timezone ?? 'UTC',
          },
        },
        env,
      );
      this.log.warn({ collector: entry.id, missed: count }, 'missed scheduled runs while down');
    }
  }

  private onTick(id: string, scheduledAt: Date): Promise<void> | undefined {
    if (this.stopping) return undefined;
    const scheduled = this.loaded.scheduled.find((s) => s.entry.id === id);
    if (!scheduled) return undefined;
    const env = this.environment();
    if (this.running.has(id)) {
      this.metrics.runs.inc({ collector: id, status: 'skipped' });
      return writeNotice(
        scheduled.instance,
        {
          subject: { kind: 'collector', id },
          status: 'info',
          summary: `The run of ${id} due at ${scheduledAt.toISOString()} was skipped: the previous run was still going.`,
          data: { notice: 'run-skipped', scheduledAt: scheduledAt.toISOString(), schedule: scheduled.entry.schedule },
        },
        env,
      ).then(
        () => undefined,
        (err: unknown) => this.log.error({ err, collector: id }, 'cannot record a skipped run'),
      );
    }
    const run = this.run(scheduled, env).finally(() => {
      this.running.delete(id);
      this.flushSpool();
    });
    this.running.set(id, run);
    return run;
  }

  /**
   * Once the store has been found down, the spool stops sending until it is
   * flushed: try after every run, so evidence reaches the store soon after it
   * is back rather than at the next restart. The run does not wait for it.
   */
  private flushSpool(): void {
    if (this.stopping) return;
    void this.store.flush?.().catch((err: unknown) => this.log.error({ err }, 'spool not flushed; the evidence stays in it for the next try'));
  }

  /**
   * What runs now: the config and the input files it points to, hashed again before every run (a ledger or a key
   * can change between reloads), with a config-change record in `<agentId>/agent` when that differs from the
   * newest one there. One check at a time, so two runs starting together write one record.
   */
  private checkWhatRan(): Promise<AgentInfo> {
    const done = this.whatRanChecks.then(async () => {
      const agent = await agentInfo(this.loaded.config, this.loaded.instances);
      this.agent = agent;
      const effective = effectiveSha256(agent);
      if (effective === this.recordedEffective) return agent;
      try {
        const record = await recordConfigChange(this.store, this.loaded.config, agent, this.clock.now(), this.writers);
        if (record) this.log.info({ stream: record.stream, seq: record.seq }, 'config change recorded');
        this.recordedEffective = effective;
      } catch (err) {
        this.log.error({ err }, 'the config-change record was not written; tried again before the next run');
      }
      return agent;
    });
    this.whatRanChecks = done.catch(() => undefined);
    return done;
  }

  private async pushToWitness(agentId: string): Promise<void> {
    if (!this.witness || this.store.unreachable) return;
    this.witnessed = await this.witness.push(this.store, agentId);
    this.metrics.witnessPending.set(this.witnessed.pending);
  }

  private async run({ instance }: Scheduled, runEnv: RunEnvironment): Promise<void> {
    const end = this.metrics.duration.startTimer({ collector: instance.id });
    const env = { ...runEnv, agent: await this.checkWhatRan() };
    const [outcome] = await runCollectors([instance], env);
    end();
    const status = outcome!.storeFailure ? 'store-failure' : outcome!.statuses.error > 0 ? 'error' : 'ok';
    this.metrics.runs.inc({ collector: instance.id, status });
    this.metrics.records.inc({ collector: instance.id }, outcome!.written);
    if (!outcome!.storeFailure) this.metrics.lastSuccess.set({ collector: instance.id }, this.clock.now().getTime() / 1000);
    if (this.signer && outcome!.head) {
      const signer = this.signer;
      const heads = new Map([[outcome!.stream, outcome!.head]]);
      // One checkpoint at a time: each links to the one before.
      this.checkpoints = this.checkpoints
        .then(() => writeCheckpoint(this.store, env.agent.id, signer, this.clock.now(), heads))
        .catch((err: unknown) => this.log.error({ err }, 'checkpoint not written'))
        // Also after a checkpoint that failed: what an earlier run left pending is sent.
        .then(() => this.pushToWitness(env.agent.id));
      await this.checkpoints;
    }
  }

  /**
   * Re-reads the config (SIGHUP). A config that does not load is rejected and
   * the running one kept. Reloads run one after another: interleaved, each
   * would replace the tasks the other had just started, leaving some running
   * that nothing can stop.
   */
  reload(): Promise<boolean> {
    const done = this.reloads.then(() => this.reloadNow());
    this.reloads = done.catch(() => undefined);
    return done;
  }

  private async reloadNow(): Promise<boolean> {
    if (this.stopping) return false;
    let next: Loaded;
    try {
      next = await loadForDaemon(this.options.configPath, this.options.catalog);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'new config rejected; keeping the running one');
      return false;
    }
    if (JSON.stringify(next.config.store) !== JSON.stringify(this.loaded.config.store)) {
      this.log.warn('store settings changed: restart the daemon to use the new store; keeping the current one');
      next.config.store = this.loaded.config.store;
    }
    const signer = await signerFromConfig(next.config.signing, next.config.dir, process.env, (reason) => this.log.warn(reason)).catch((err: unknown) => {
      this.log.error({ err }, 'signing key not loaded; keeping the previous signer');
      return this.signer;
    });
    const previous = { loaded: this.loaded, signer: this.signer };
    // Set before the new tasks start, so their first tick already runs under the new config.
    this.loaded = next;
    this.signer = signer;
    try {
      await this.replaceTasks(next.scheduled);
    } catch (err) {
      ({ loaded: this.loaded, signer: this.signer } = previous);
      this.log.error({ err }, 'new schedule did not start; keeping the running one');
      return false;
    }
    if (JSON.stringify(next.config.witness) !== JSON.stringify(previous.loaded.config.witness)) {
      await this.witness?.close();
      this.witness = next.config.witness ? await CheckpointWitness.open(next.config.witness, next.config.dir, next.config.store.spool, this.log) : null;
      this.witnessed = null;
    }
    await this.checkWhatRan();
    // The old instances let go of what they held (routes, receivers) before the new ones take it.
    await this.lifecycles?.close(RELOAD_CLOSE_MS);
    this.lifecycles = await CollectorLifecycles.start(next.instances, this.server, this.environment());
    logSchedules(this.log, next, 'config reloaded');
    return true;
  }

  /** No new runs; in-flight runs get `graceMs`, then are aborted; the spool is flushed; the server closes. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.reconnects);
    // A reload under way would start its tasks after these are destroyed.
    await this.reloads;
    await Promise.all(this.tasks.map((t) => t.destroy()));
    // Receivers stop taking work while the runs in flight finish, within the same grace period.
    const closed = this.lifecycles?.close(graceMs);
    const inFlight = Promise.allSettled([...this.running.values()]);
    const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    if ((await Promise.race([inFlight.then(() => 'done'), timer])) !== 'done') {
      this.log.warn({ running: [...this.running.keys()] }, 'grace period over; aborting runs in flight');
      this.abort.abort(new Error('the agent is shutting down'));
      await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
    await closed;
    await this.checkpoints;
    await this.store?.flush?.().catch((err: unknown) => this.log.error({ err }, 'spool not flushed'));
    await this.server.close();
    await this.witness?.close();
    await this.store?.close();
  }
}
