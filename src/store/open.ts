import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { FileStore, fileStoreRoot } from './file-store.js';
import type { ObjectBackend } from './remote/backend.js';
import { LockedObjectStore } from './remote/locked-store.js';
import { DEFAULT_RETRY } from './remote/retry.js';
import type { StoreSettings } from './settings.js';
import { SpoolingStore } from './spool.js';
import { type CheckedSettings, SpoolMemory } from './spool-memory.js';
import { type EvidenceStore, StoreError, StoreUnavailableError } from './types.js';

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
export async function backendFor(settings: Pick<StoreSettings, 'url' | 's3' | 'gcs'>): Promise<{ backend: ObjectBackend; fixes: Fixes }> {
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

/**
 * Opens the store a URL names. For writing to a bucket, a preflight that
 * passes is remembered in the spool; when the bucket does not answer at all
 * (an outage, not a refusal), a preflight remembered for the same bucket and
 * settings lets the run collect into the spool instead of losing it. The
 * bucket is checked again before anything is sent to it.
 */
export async function openStore(settings: StoreSettings, baseDir: string, options: OpenOptions): Promise<EvidenceStore> {
  if (settings.url.startsWith('file:')) return new FileStore(fileStoreRoot(settings.url, baseDir));
  const { backend, fixes } = await backendFor(settings);
  const checked: CheckedSettings = {
    url: backend.url,
    retention: { mode: 'COMPLIANCE', days: settings.retention?.days ?? DEFAULT_RETENTION_DAYS, perObject: settings.retention?.perObject ?? false },
    allowMutable: settings.allowMutable ?? false,
  };
  const store = new LockedObjectStore(backend, {
    retention: checked.retention,
    allowMutable: checked.allowMutable,
    retry: { ...DEFAULT_RETRY, attempts: settings.retries ?? DEFAULT_RETRY.attempts },
    log: options.log,
    fixes,
  });
  if (options.mode === 'read') return store;
  const spoolDir = resolve(baseDir, settings.spool ?? '.evidence-spool');
  const memory = new SpoolMemory(spoolDir, backend.url);
  const preflight = async () => memory.rememberPreflight(checked, await store.preflight(), new Date());
  try {
    await preflight();
  } catch (err) {
    try {
      if (!(err instanceof StoreUnavailableError)) throw err;
      const remembered = await memory.preflightFor(checked, err);
      store.adopt(remembered.posture);
      options.log.warn(
        { store: store.url, spool: spoolDir, checkedAt: remembered.checkedAt, err },
        `store ${store.url} is unreachable; collecting into the spool at ${spoolDir} on the strength of its preflight of ${remembered.checkedAt}. ` +
          'Nothing is sent, and no checkpoint signed, until it answers and passes the preflight again.',
      );
      return new SpoolingStore(store, spoolDir, options.log, { memory, offline: { cause: err, reconnect: preflight } });
    } catch (refused) {
      await store.close();
      throw refused;
    }
  }
  const spooled = new SpoolingStore(store, spoolDir, options.log, { memory });
  await spooled.drain();
  return spooled;
}
