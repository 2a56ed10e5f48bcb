import type { Finding, Severity } from '../../../src/collector/contract.js';

/** Findings kept per code; the rest are counted, since every commit is listed in the detail anyway. */
const FINDINGS_PER_CODE = 100;

type Describe = () => { message: string; ref?: string };

/** The findings of one record, bounded so that a range of 100,000 bad commits still makes a readable record. */
export class FindingList {
  private readonly kept: Finding[] = [];
  private readonly counts = new Map<string, { total: number; severity: Severity }>();
  private readonly once = new Set<string>();

  /** A list that starts with findings already made, such as the range plan's. */
  static of(findings: readonly Finding[]): FindingList {
    const list = new FindingList();
    for (const { code, severity, ...rest } of findings) list.add(code, severity, () => rest);
    return list;
  }

  /** `describe` runs only for findings that are kept: messages for the ones past the cap are never built. */
  add(code: string, severity: Severity, describe: Describe): void {
    const c = this.counts.get(code) ?? { total: 0, severity };
    c.total++;
    this.counts.set(code, c);
    if (c.total <= FINDINGS_PER_CODE) this.kept.push({ code, severity, ...describe() });
  }

  /** Adds a finding once per code and ref: a merge that lands twenty commits is one self-approval. */
  addOnce(code: string, severity: Severity, ref: string, message: () => string): void {
    const key = `${code}\0${ref}`;
    if (this.once.has(key)) return;
    this.once.add(key);
    this.add(code, severity, () => ({ message: message(), ref }));
  }

  all(): Finding[] {
    const more: Finding[] = [];
    for (const [code, c] of this.counts) {
      if (c.total > FINDINGS_PER_CODE) {
        more.push({
          code,
          severity: c.severity,
          message: `${c.total - FINDINGS_PER_CODE} more ${code} findings than listed here (${c.total} in all); the commit detail lists every commit`,
        });
      }
    }
    return [...this.kept, ...more];
  }
}
