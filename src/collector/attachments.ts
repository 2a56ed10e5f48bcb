import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobKey } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import type { Attachment } from '../record/types.js';
import type { AttachmentInput } from './contract.js';

/**
 * Stores attachment content under its SHA-256. Streams go through a temporary
 * file while being hashed, since the key is only known once the last byte is read.
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
  const dir = await mkdtemp(join(tmpdir(), 'evidence-attach-'));
  try {
    const path = join(dir, 'blob');
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx' }), { signal });
    const sha256 = hash.digest('hex');
    const key = blobKey(sha256);
    await store.put(key, { path });
    return { name, mediaType, size, sha256, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
