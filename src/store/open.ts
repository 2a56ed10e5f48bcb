import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { FileStore, fileStoreRoot } from './file-store.js';
import type { ObjectBackend } from './remote/backend.js';
import { LockedObjectStore } from './remote/locked-store.js';
import { DEFAULT_RETRY } from './remote/retry.js';
import type { StoreSettings } from './settings.js';
import { SpoolingStore } from './spool.js';
import { type EvidenceStore, StoreError } from './types.js';

export const DEFAULT_RETENTION_DAYS = 400;

export interface OpenOptions {
  log: Logger;
  /**
   * `write`: preflight the bucket (refusing a mutable one), put the spool in
   * front and send what it still holds. `read`: just read, as an auditor does.
   */
  mode: 'write' | 'read';
}

type Fixes = { versioning: string; objectLock: string; defaultRetention: string };

/** Imports a cloud backend only when a URL needs it, so a file store never loads a cloud SDK. */
async function backendFor(settings: StoreSettings): Promise<{ backend: ObjectBackend; fixes: Fixes }> {
  if (settings.url.startsWith('s3://')) {
    const { S3Backend, S3_FIXES } = await import('./s3/s3-backend.js');
    return { backend: new S3Backend(settings.url, settings.s3), fixes: S3_FIXES };
  }
  if (settings.url.startsWith('gs://')) {
    const { GcsBackend, GCS_FIXES } = await import('./gcs/gcs-backend.js');
    return { backend: new GcsBackend(settings.url, settings.gcs), fixes: GCS_FIXES };
  }
  throw new StoreError(`unsupported store URL ${settings.url}: use file:<folder>, s3://bucket/prefix or gs://bucket/prefix`);
}

/** Opens the store a URL names. */
export async function openStore(settings: StoreSettings, baseDir: string, options: OpenOptions): Promise<EvidenceStore> {
  if (settings.url.startsWith('file:')) return new FileStore(fileStoreRoot(settings.url, baseDir));
  const { backend, fixes } = await backendFor(settings);
  const store = new LockedObjectStore(backend, {
    retention: { mode: 'COMPLIANCE', days: settings.retention?.days ?? DEFAULT_RETENTION_DAYS, perObject: settings.retention?.perObject ?? false },
    allowMutable: settings.allowMutable ?? false,
    retry: { ...DEFAULT_RETRY, attempts: settings.retries ?? DEFAULT_RETRY.attempts },
    log: options.log,
    fixes,
  });
  if (options.mode === 'read') return store;
  try {
    await store.preflight();
  } catch (err) {
    await store.close();
    throw err;
  }
  const spooled = new SpoolingStore(store, resolve(baseDir, settings.spool ?? '.evidence-spool'), options.log);
  await spooled.drain();
  return spooled;
}
