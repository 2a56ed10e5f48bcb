import type { Readable } from 'node:stream';
import type { JsonObject } from '../record/types.js';

/** Bytes in memory (records) or a local file streamed from disk (attachments, spooled uploads). */
export type PutBody = Uint8Array | { path: string };

/** `created`: this call wrote the object; `exists`: identical bytes were already there (an idempotent retry). */
export type PutResult = 'created' | 'exists';

/** How, and how strongly, a store keeps what is written from being changed or removed. */
export interface Immutability {
  /** Short name of the mechanism, for example `local-write-once` or `s3-object-lock`. */
  mechanism: string;
  /** True when the store itself refuses to replace an existing key. */
  writeOnce: boolean;
  /** True when not even an administrator of the store can delete or change objects before retention ends. */
  locked: boolean;
  retentionDays?: number;
  details: JsonObject;
  warnings: string[];
}

export interface ListOptions {
  /** With `/`, list one level only: keys directly under the prefix, and sub-prefixes ending in `/`. */
  delimiter?: '/';
}

/**
 * Where evidence is kept. The core writes through this interface only.
 * Keys are `/`-separated, printable ASCII, never starting with `/` or holding `..`.
 */
export interface EvidenceStore {
  readonly url: string;
  /** Writes only if the key is absent. Different bytes at an existing key raise StoreConflictError. */
  put(key: string, body: PutBody): Promise<PutResult>;
  /** The whole object, for small objects such as records; null when absent. */
  get(key: string): Promise<Uint8Array | null>;
  /** A stream of the object, for attachments; null when absent. */
  open(key: string): Promise<Readable | null>;
  /** Keys (and, with a delimiter, sub-prefixes) under a prefix, in ascending byte order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  describe(): Promise<Immutability>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** A key already holds different bytes: someone tried to rewrite evidence, or two writers share a stream. */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
  constructor(readonly key: string, detail: string) {
    super(`refusing to overwrite ${key}: ${detail}`);
  }
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new StoreError(`invalid store key ${JSON.stringify(key)}`);
  }
}
