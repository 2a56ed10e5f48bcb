import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '../store/file-store.js';
import type { EvidenceStore, ObjectVersion } from '../store/types.js';

/** A record whose `observedAt` is further from the store's own time for its object than the tolerance. */
export interface ObservedSkew {
  key: string;
  stream: string;
  seq: number;
  observedAt: string;
  storedAt: string;
  /** Store time minus observedAt: positive when the object was written after the observation. */
  skewSeconds: number;
}

export interface ObservedAtSummary {
  /** Where the store's time came from: the bucket's object versions (S3 LastModified, GCS timeCreated), or a file's mtime. */
  source: 'object-version' | 'file-mtime';
  /** A file's mtime can be set by anyone who can write the folder: it corroborates, it does not prove. */
  weak: boolean;
  toleranceSeconds: number;
  checked: number;
  skewed: number;
  /** The first 100 skewed records, in stream and seq order. */
  records: ObservedSkew[];
}

const LISTED = 100;

/**
 * Compares each record's `observedAt` with the time the store itself gives its object. The agent writes a record the
 * moment it stamps it, so the two agree within seconds; a record rewritten or injected later with an earlier (or
 * later) time does not. A record held in the spool during an outage is written late too, so a skew is reported for an
 * auditor to ask about, not as a failure.
 */
export class ObservedAtCheck {
  private readonly skews: ObservedSkew[] = [];
  private checked = 0;
  private readonly source: ObservedAtSummary['source'] | null;

  constructor(
    private readonly store: EvidenceStore,
    private readonly toleranceMs: number,
  ) {
    this.source = store.audit ? 'object-version' : store instanceof FileStore ? 'file-mtime' : null;
  }

  private async storedAt(key: string, version: ObjectVersion | undefined): Promise<Date | null> {
    if (this.source === 'object-version') return version?.lastModified ?? null;
    if (this.source === 'file-mtime') return (await lstat(join((this.store as FileStore).root, key)).catch(() => null))?.mtime ?? null;
    return null;
  }

  async check(key: string, stream: string, seq: number, observedAt: string | null, version: ObjectVersion | undefined): Promise<void> {
    if (!observedAt || !this.source) return;
    const stored = await this.storedAt(key, version);
    if (!stored) return;
    this.checked++;
    const skew = stored.getTime() - Date.parse(observedAt);
    if (Math.abs(skew) > this.toleranceMs) {
      this.skews.push({ key, stream, seq, observedAt, storedAt: stored.toISOString(), skewSeconds: Math.round(skew / 1000) });
    }
  }

  /**
   * The summary for the report, and for a bucket one warning per stream with skewed records; null for a store that
   * gives no times. A file's mtime is only summarised: a copied or restored folder moves every mtime, so it would warn
   * about every record of an intact store.
   */
  finish(warnings: string[]): ObservedAtSummary | null {
    if (!this.source) return null;
    const skews = this.skews.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq));
    const byStream = new Map<string, ObservedSkew[]>();
    if (this.source === 'object-version') for (const s of skews) byStream.set(s.stream, [...(byStream.get(s.stream) ?? []), s]);
    for (const [stream, list] of byStream) {
      const worst = list.reduce((a, b) => (Math.abs(b.skewSeconds) > Math.abs(a.skewSeconds) ? b : a));
      warnings.push(
        `${stream}: ${list.length} records were observed more than ${this.toleranceMs / 1000} s away from the time the store wrote them; ` +
          `the largest gap is ${worst.skewSeconds} s at ${worst.key} (observedAt ${worst.observedAt}, stored ${worst.storedAt}). ` +
          'Records sent late from the spool after an outage show this; otherwise they were written at another time than they say',
      );
    }
    return {
      source: this.source,
      weak: this.source === 'file-mtime',
      toleranceSeconds: this.toleranceMs / 1000,
      checked: this.checked,
      skewed: skews.length,
      records: skews.slice(0, LISTED),
    };
  }
}
