import type { Readable, Writable } from 'node:stream';
import type { JsonObject } from '../json.js';

/** How the store protects a record, stated in the record itself (remote stores only). */
export interface StorageNote {
  retention: 'bucket-default' | 'per-object' | 'none';
  mode?: 'COMPLIANCE';
  days?: number;
  mutable?: boolean;
}

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

/** An object written before its key is known (an attachment, stored under its hash), in place, so storing it needs no copy. */
export interface StagedObject {
  /** Takes the bytes; it finishes once they are durable. */
  readonly writable: Writable;
  /** Stores what writable took under `key`, as put would; only after writable has finished. */
  commit(key: string): Promise<PutResult>;
  /** Removes what is left of it, stored or not; call it in every case. */
  discard(): Promise<void>;
}

export interface ListOptions {
  /** With `/`, list one level only: keys directly under the prefix, and sub-prefixes ending in `/`. */
  delimiter?: '/';
}

/** One entry of a listing. */
export interface StoreEntry {
  key: string;
  /** What the entry is when it is no object a reader may open (`a symbolic link`, `a FIFO`…); it is never read. */
  notAnObject?: string;
}

export interface ObjectVersion {
  versionId: string;
  lastModified: Date;
  /** A delete marker hides the key from listings without removing its locked versions. */
  deleteMarker: boolean;
}

export interface ObjectLock {
  /** True when the object is under compliance-grade retention (S3 COMPLIANCE mode, a locked GCS policy). */
  compliance: boolean;
  mode: string | null;
  retainUntil: Date | null;
}

/** Object-level evidence of immutability, for stores that can give it (buckets). */
export interface StoreAudit {
  /** The retention every object must have, counted from its creation. */
  readonly retentionDays: number;
  /** Every version of every key under a prefix, oldest first for each key, keys in ascending order. */
  versions(prefix: string): AsyncIterable<{ key: string; versions: ObjectVersion[] }>;
  lock(key: string, versionId?: string): Promise<ObjectLock>;
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
  get(key: string, versionId?: string): Promise<Uint8Array | null>;
  /**
   * Whole objects for many keys, each as get gives it (null when absent), in the keys' order, stopping with the error
   * get would raise at that key. For stores that read ahead more cheaply than their callers can with get (a local
   * folder, off the caller's thread); the others are read through concurrent gets.
   */
  getMany?(keys: AsyncIterable<string> | Iterable<string>): AsyncIterable<{ key: string; bytes: Uint8Array | null }>;
  /** A stream of the object, for attachments; null when absent. */
  open(key: string, versionId?: string): Promise<Readable | null>;
  /** Keys (and, with a delimiter, sub-prefixes) under a prefix, in ascending byte order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  /**
   * Every entry under a prefix, as `list` without a delimiter gives them, saying which are not objects: a local folder
   * can hold symbolic links, FIFOs, sockets and devices. Stores whose listings hold objects only need not have it.
   */
  entries?(prefix: string): AsyncIterable<StoreEntry>;
  describe(): Promise<Immutability>;
  close(): Promise<void>;
  /** What every record written here states about its protection (remote stores). */
  readonly storage?: StorageNote | undefined;
  readonly audit?: StoreAudit | undefined;
  /** Objects accepted but not yet confirmed by the store (a spool), how many of them are records, and why. */
  pending?(): Promise<{ count: number; records: number; where: string; reason?: string }>;
  /** Why the store cannot be reached now, while a spool keeps what is written; undefined while it answers. */
  readonly unreachable?: string | undefined;
  /** Tries once more to send what is pending. */
  flush?(): Promise<void>;
  /** Starts an object whose key is known only at its end; stores without it get a temporary file and put({ path }). */
  stage?(): Promise<StagedObject>;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** A key already holds different bytes: someone tried to rewrite evidence, or two writers share a stream. */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`refusing to overwrite ${key}: ${detail}`);
  }
}

/** The store cannot be used as configured; the message says what to change. Exit code 2. */
export class StorePreflightError extends StoreError {
  override name = 'StorePreflightError';
}

/** The store did not answer (network, throttling, server errors) after every retry. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new StoreError(`invalid store key ${JSON.stringify(key)}`);
  }
}
