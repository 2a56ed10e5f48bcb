import type { Finding } from '../../../src/collector/contract.js';
import type { LineageFold } from './fold.js';

export interface RunCounts {
  total: number;
  completed: number;
  failed: number;
  aborted: number;
  running: number;
  incomplete: number;
  other: number;
}

export interface RunVerdicts {
  counts: RunCounts;
  /** The incomplete runs, oldest start first (a bounded number; `counts.incomplete` has them all). */
  incomplete: { runId: string; job: string; started: number }[];
}

const HOUR = 3_600_000;

/**
 * The state of every run at `now`: its latest terminal event decides, and a
 * run started (START or RUNNING) longer than the grace period ago with none
 * is incomplete.
 */
export function judgeRuns(fold: LineageFold, now: number, graceHours: number, keep: number): RunVerdicts {
  const counts: RunCounts = { total: fold.runs.size, completed: 0, failed: 0, aborted: 0, running: 0, incomplete: 0, other: 0 };
  const incomplete: RunVerdicts['incomplete'] = [];
  const deadline = now - graceHours * HOUR;
  for (const [runId, run] of fold.runs) {
    if (run.terminal === 'COMPLETE') counts.completed++;
    else if (run.terminal === 'FAIL') counts.failed++;
    else if (run.terminal === 'ABORT') counts.aborted++;
    else if (run.started === null) counts.other++;
    else if (run.started >= deadline) counts.running++;
    else {
      counts.incomplete++;
      const job = fold.jobs[run.job]!;
      incomplete.push({ runId, job: `${job.namespace}/${job.name}`, started: run.started });
      // Keeps the oldest `keep` without holding every incomplete run.
      if (incomplete.length > keep * 2) trim(incomplete, keep);
    }
  }
  trim(incomplete, keep);
  return { counts, incomplete };
}

function trim(list: RunVerdicts['incomplete'], keep: number): void {
  list.sort((a, b) => a.started - b.started || (a.runId < b.runId ? -1 : 1));
  list.length = Math.min(list.length, keep);
}

export function runFindings(verdicts: RunVerdicts, graceHours: number): Finding[] {
  const listed: Finding[] = verdicts.incomplete.map((r) => ({
    code: 'run-incomplete',
    severity: 'medium',
    ref: `${r.job} run ${r.runId}`,
    message: `Run ${r.runId} of job ${r.job} started at ${new Date(r.started).toISOString()} and has no COMPLETE, FAIL or ABORT event after ${graceHours} h.`,
  }));
  const more = verdicts.counts.incomplete - listed.length;
  if (more > 0) {
    listed.push({
      code: 'run-incomplete',
      severity: 'medium',
      message: `${more} more incomplete run${more > 1 ? 's' : ''} beyond the ${listed.length} listed (all counted in data.runs.incomplete).`,
    });
  }
  return listed;
}
