import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Attachment } from '../record/types.js';
import { HashMeter } from '../store/hash-meter.js';
import { blobKey } from '../store/layout.js';
import type { EvidenceStore, StagedObject } from '../store/types.js';
import type { AttachmentInput } from './contract.js';

/**
 * Stores attachment content under its SHA-256. A stream is written while it
 * is hashed, since the key is only known once its last byte is read: into the
 * store itself where it can stage, else into a temporary file.
 */
export async function storeAttachment(store: EvidenceStore, input: AttachmentInput, signal: AbortSignal): Promise<Attachment> {
  signal.throwIfAborted();
  const { name, mediaType, body } = input;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = blobKey(sha256);
    await store.put(key, bytes);
    return { name, mediaType, size: bytes.byteLength, sha256, key };
  }
  const target = (await store.stage?.()) ?? (await temporaryFile(store));
  try {
    const meter = new HashMeter();
    await pipeline(body, meter, target.writable, { signal });
    const sha256 = meter.sha256();
    const size = meter.size;
    const key = blobKey(sha256);
    await target.commit(key);
    return { name, mediaType, size, sha256, key };
  } finally {
    await target.discard();
  }
}

/** For stores that cannot stage: a temporary file, handed to put({ path }) once its hash is known. */
async function temporaryFile(store: EvidenceStore): Promise<StagedObject> {
  const dir = await mkdtemp(join(tmpdir(), 'evidence-attach-'));
  const path = join(dir, 'blob');
  return {
    writable: createWriteStream(path, { flags: 'wx' }),
    commit: (key) => store.put(key, { path }),
    discard: () => rm(dir, { recursive: true, force: true }),
  };
}
