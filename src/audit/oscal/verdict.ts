import type { ControlCoverage } from '../coverage.js';
import type { ScannedRecord } from '../scan.js';
import type { TargetState } from './types.js';

/** A subject whose last pass/fail record of the window, for a control, failed. */
export interface OpenFailure {
  stream: string;
  subject: string;
  /** The key of that failing record. */
  key: string;
}

/**
 * Per SOC 2 control, the last pass/fail outcome of each stream and subject in the window: one small entry per
 * subject, never per record, so a store of millions of records is judged in constant memory.
 */
export class FailureTracker {
  private readonly last = new Map<string, Map<string, OpenFailure | null>>();

  add(s: ScannedRecord): void {
    const { record } = s;
    // Agent notices say how the agent ran, errors that nothing was collected; neither says the control failed.
    if (record.subject.kind === 'collector' || (record.status !== 'pass' && record.status !== 'fail')) return;
    const subject = `${record.subject.kind} ${record.subject.id}`;
    const outcome = record.status === 'fail' ? { stream: record.stream, subject, key: s.key } : null;
    for (const control of record.controls) {
      const subjects = this.last.get(control) ?? new Map<string, OpenFailure | null>();
      this.last.set(control, subjects);
      subjects.set(`${record.stream}\0${subject}`, outcome);
    }
  }

  /** The subjects still failing for any of these SOC 2 controls at the window's end, each once, in stream and subject order. */
  open(controls: readonly string[]): OpenFailure[] {
    const found = new Map<string, OpenFailure>();
    for (const c of controls) for (const [k, v] of this.last.get(c) ?? []) if (v) found.set(k, v);
    return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }
}

export interface Verdict {
  state: TargetState;
  /** Why, one line each, for the finding's description. */
  reasons: string[];
}

/**
 * The rule the document and README state: a control is satisfied when every period of its grid in the window holds
 * evidence (coverage 100%, as `coverage` computes it, in the framework's ids), its chained ranges, where its
 * collectors report them, cover the window without holes, and no subject is left failing (its last pass/fail record
 * of the window is not a fail).
 */
export function verdictOf(c: ControlCoverage, open: readonly OpenFailure[]): Verdict {
  const reasons: string[] = [];
  if (c.periods === 0) reasons.push('no period to judge: no record in or around the window states or shows a cadence');
  else if (c.evidenced < c.periods) reasons.push(`coverage ${c.percent.toFixed(1)}%, ${c.periods - c.evidenced} of ${c.periods} periods without evidence`);
  if (c.rangesCovered === false) reasons.push('the chained ranges have holes or do not reach both ends of the window');
  if (open.length > 0) reasons.push(`${open.length} subject${open.length === 1 ? '' : 's'} still failing at the end of the window`);
  return { state: reasons.length === 0 ? 'satisfied' : 'not-satisfied', reasons };
}
