import type { Finding } from '../../../src/collector/contract.js';
import type { LineageFold } from './fold.js';

const DAY = 86_400_000;
const BUCKET_NAMESPACE = /^(s3|s3a|s3n|gs):\/\/([^/]+)\/?(.*)$/;

/**
 * Where a dataset is stored, in the form retention locations are listed in
 * (`s3://bucket/key`, `gs://bucket/key`, or an absolute path), following the
 * OpenLineage naming conventions: namespace `s3://bucket` (or `s3a://`,
 * `gs://`) with the key as name; namespace `file` or `file://host` with the
 * path as name. Null for datasets that are not files (tables, topics).
 */
export function datasetLocation(namespace: string, name: string): string | null {
  const bucket = BUCKET_NAMESPACE.exec(namespace);
  if (bucket) {
    const scheme = bucket[1] === 'gs' ? 'gs' : 's3';
    const base = bucket[3]!.replace(/\/+$/, '');
    const key = name.replace(/^\/+|\/+$/g, '');
    return `${scheme}://${bucket[2]}/${base ? `${base}/` : ''}${key}`.replace(/\/+$/, '');
  }
  if (namespace === 'file' || namespace.startsWith('file:')) {
    const path = name.replace(/^file:\/\/[^/]*/, '');
    return path.startsWith('/') ? path.replace(/(.)\/+$/, '$1') : null;
  }
  return null;
}

/** The latest lineage event naming each stored location, looked up for an object or any folder above it. */
export class LastNamed {
  private readonly at = new Map<string, number>();

  constructor(fold: LineageFold) {
    for (const d of fold.datasets) {
      const location = datasetLocation(d.namespace, d.name);
      if (location !== null && d.last > (this.at.get(location) ?? Number.NEGATIVE_INFINITY)) this.at.set(location, d.last);
    }
  }

  /** The latest event naming the object or a folder (prefix) that holds it; null when none does. */
  of(ref: string): number | null {
    const root = ref.indexOf('://') >= 0 ? ref.indexOf('/', ref.indexOf('://') + 3) : 0;
    let best: number | null = null;
    let path = ref;
    for (;;) {
      const t = this.at.get(path);
      if (t !== undefined && (best === null || t > best)) best = t;
      const cut = path.lastIndexOf('/');
      if (cut <= root) return best;
      path = path.slice(0, cut);
    }
  }
}

/** An object under a retention location and the times of the data it still holds: one per stored version (a file has one). */
export interface StoredObject {
  ref: string;
  versions: { modified: number; current: boolean }[];
}

export interface RetentionTally {
  objectsChecked: number;
  expiredPresent: number;
  findings: Finding[];
}

/** One rule, checked: whether its location exists, how far the listing got, and what it found. */
export interface RetentionResult {
  rule: { location: string; days: number };
  found: boolean;
  error: string | null;
  tally: RetentionTally;
  findings: Finding[];
}

/**
 * Checks objects against one rule as they are listed: an object whose data
 * (any stored version) is older than the rule allows, by its modification
 * time or the last lineage event naming it, whichever is later, is expired
 * and still present.
 */
export class RetentionCheck {
  readonly tally: RetentionTally = { objectsChecked: 0, expiredPresent: 0, findings: [] };
  private readonly cutoff: number;

  constructor(
    private readonly rule: { location: string; days: number },
    private readonly named: LastNamed,
    now: number,
    private readonly keep: number,
  ) {
    this.cutoff = now - rule.days * DAY;
  }

  check(object: StoredObject): void {
    if (object.versions.length === 0) return;
    this.tally.objectsChecked++;
    const named = this.named.of(object.ref);
    const expired = object.versions.filter((v) => Math.max(v.modified, named ?? Number.NEGATIVE_INFINITY) < this.cutoff);
    if (expired.length === 0) return;
    this.tally.expiredPresent++;
    if (this.tally.findings.length >= this.keep) return;
    const newest = Math.max(...expired.map((v) => v.modified));
    const hidden = expired.filter((v) => !v.current).length;
    this.tally.findings.push({
      code: 'retention-expired-present',
      severity: 'high',
      ref: object.ref,
      message:
        `${object.ref} is older than the ${this.rule.days} days ${this.rule.location} allows and is still stored: modified ${new Date(newest).toISOString()}` +
        `${named === null ? ', named by no lineage event' : `, last named by a lineage event at ${new Date(named).toISOString()}`}` +
        `${hidden > 0 ? `; ${hidden} of its ${expired.length} expired versions are noncurrent (hidden by a newer version or a delete marker, not deleted)` : ''}.`,
    });
  }

  /** The findings, and one more saying how many were not listed. */
  findings(): Finding[] {
    const more = this.tally.expiredPresent - this.tally.findings.length;
    if (more <= 0) return this.tally.findings;
    return [
      ...this.tally.findings,
      {
        code: 'retention-expired-present',
        severity: 'high',
        ref: this.rule.location,
        message: `${more} more expired object${more > 1 ? 's' : ''} still stored under ${this.rule.location} beyond the ${this.tally.findings.length} listed.`,
      },
    ];
  }
}
