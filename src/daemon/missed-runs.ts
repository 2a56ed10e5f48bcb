import type { ScheduledTask } from 'node-cron';

const MAX_COUNTED = 10_000;

/**
 * How many times a schedule should have fired strictly between two instants
 * (the last record of a stream and now), counted up to a cap. Steps by the
 * minute when the schedule has a single seconds value, by the second otherwise.
 */
export function countMissedRuns(task: Pick<ScheduledTask, 'match'>, secondsField: number[], from: Date, to: Date): { count: number; capped: boolean } {
  const stepMs = secondsField.length === 1 ? 60_000 : 1000;
  let t = Math.floor(from.getTime() / 1000) * 1000 + 1000;
  if (stepMs === 60_000) {
    // Align to the one second of each minute at which the schedule can fire.
    const aligned = Math.floor(t / 60_000) * 60_000 + secondsField[0]! * 1000;
    t = aligned < t ? aligned + 60_000 : aligned;
  }
  let count = 0;
  for (; t < to.getTime(); t += stepMs) {
    if (task.match(new Date(t)) && ++count >= MAX_COUNTED) return { count, capped: true };
  }
  return { count, capped: false };
}
