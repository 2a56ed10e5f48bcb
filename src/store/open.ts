import type { StoreSettings } from '../config/load.js';
import { FileStore, fileStoreRoot } from './file-store.js';
import { StoreError, type EvidenceStore } from './types.js';

/**
 * Opens the store a URL names. Each kind is imported only when used, so a
 * file store never loads a cloud SDK.
 */
export async function openStore(settings: StoreSettings, baseDir: string): Promise<EvidenceStore> {
  const { url } = settings;
  if (url.startsWith('file:')) return new FileStore(fileStoreRoot(url, baseDir));
  throw new StoreError(`unsupported store URL ${url}: use file:<folder>`);
}
