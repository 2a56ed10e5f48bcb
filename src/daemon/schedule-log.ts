import type { Logger } from 'pino';
import type { AgentConfig } from '../config/load.js';

/**
 * Logs what a daemon runs on its schedules (at start, on a reload) and what runs only in a snapshot. A daemon
 * with nothing scheduled still serves its probes and collector routes, so it is not refused; it warns
 * instead, since it collects no evidence, and says what to add.
 */
export function logSchedules(
  log: Logger,
  loaded: { config: AgentConfig; scheduled: readonly { entry: { id: string } }[] },
  event: string,
  fields: Record<string, unknown> = {},
): void {
  const { config } = loaded;
  const scheduled = loaded.scheduled.map((s) => s.entry.id);
  const unscheduled = config.collectors.map((c) => c.id).filter((id) => !scheduled.includes(id));
  if (scheduled.length > 0) {
    log.info({ ...fields, collectors: scheduled, unscheduled }, event);
    return;
  }
  log.info({ ...fields, collectors: [], unscheduled }, `${event} with no scheduled collector`);
  log.warn(
    { config: config.file, unscheduled },
    `no collector has a schedule, so this daemon collects no evidence: add schedule: "<cron>" (for example "0 0 2 * * *", daily at 02:00 UTC) to the collectors in ${config.file}, or run evidence-agent snapshot instead`,
  );
}
