import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The daemon's Prometheus metrics, in a registry of its own (no global state). */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly runs = new Counter({
    name: 'evidence_agent_runs_total',
    help: 'Collector runs, by outcome.',
    labelNames: ['collector', 'status'],
    registers: [this.registry],
  });
  readonly records = new Counter({
    name: 'evidence_agent_records_written_total',
    help: 'Evidence records written.',
    labelNames: ['collector'],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'evidence_agent_last_success_timestamp_seconds',
    help: 'Unix time of the last run that wrote its evidence.',
    labelNames: ['collector'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'evidence_agent_run_duration_seconds',
    help: 'Duration of collector runs.',
    labelNames: ['collector'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly witnessPending = new Gauge({
    name: 'evidence_agent_witness_pending_checkpoints',
    help: 'Signed checkpoints in the store that the witness has not taken yet (sent again after every run).',
    registers: [this.registry],
  });

  constructor(pendingInSpool: () => Promise<number>) {
    new Gauge({
      name: 'evidence_agent_spool_records',
      help: 'Evidence records in the local spool, not yet confirmed by the store (the attachments and schemas beside them are not counted).',
      registers: [this.registry],
      async collect() {
        this.set(await pendingInSpool());
      },
    });
  }
}
