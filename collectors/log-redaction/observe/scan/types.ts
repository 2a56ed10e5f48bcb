import type { RemoteSettings } from '../../../../src/store/remote/bucket.js';

export type LeakKind = 'prompt-field' | 'email' | 'api-key' | 'aws-access-key' | 'bearer-token' | 'jwt' | 'card-number' | `pattern:${string}`;

/** One match. Never holds the matched text: only where it was and a keyed hash of it. */
export interface Hit {
  /** The file path (as configured, or as a glob or folder expanded it) or `s3://…/key`, `gs://…/key`. */
  location: string;
  /** 1-based line number in the (decompressed) log. */
  line: number;
  kind: LeakKind;
  /** The configured prompt field name, for `prompt-field` hits. */
  field?: string;
  /** Hex HMAC-SHA-256 of the matched text under the agent's key (card numbers: of the digits alone). */
  hmac: string;
}

export interface ScanResult {
  /** Files and objects read (whether or not they could be read to the end). */
  locations: number;
  /** Lines the detectors looked at: every line, or the sampled ones. */
  linesScanned: number;
  /** Bytes read, after decompression. */
  bytesScanned: number;
  sampled: boolean;
  counts: Partial<Record<LeakKind, number>>;
  /** The first `maxHits` hits, in location then line order. */
  hits: Hit[];
  hitsOmitted: number;
  unreadable: { location: string; reason: string }[];
}

export interface ScanOptions {
  promptFields: readonly string[];
  patterns: readonly { name: string; regex: string }[];
  /** Lines per call (one log source), reservoir-sampled across its locations; 0 scans everything. */
  sampleLines: number;
  /** Same seed and same logs give the same sample. */
  seed: string;
  key: Buffer;
  resolvePath(p: string): string;
  settings: RemoteSettings;
  signal: AbortSignal;
  /** Hits kept in the result (default 1000); the rest are counted in `hitsOmitted`. */
  maxHits?: number;
}

/** What a detector found in one line: the kind and the text to hash. The text never leaves the scanner. */
export interface Match {
  kind: LeakKind;
  field?: string;
  text: string;
}
