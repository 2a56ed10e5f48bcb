import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { PutBody } from './types.js';

async function digest(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Whether an existing object holds exactly the bytes of a body; streams, so large blobs are never held in
 * memory. Both streams are destroyed in any case: a comparison cut short by a read error on one side would
 * otherwise hold the other's file or connection open.
 */
export async function sameContent(existing: Readable, body: PutBody): Promise<boolean> {
  const source = body instanceof Uint8Array ? null : createReadStream(body.path);
  try {
    const theirs = digest(existing);
    const ours = source
      ? digest(source)
      : Promise.resolve(
          createHash('sha256')
            .update(body as Uint8Array)
            .digest('hex'),
        );
    const [a, b] = await Promise.all([theirs, ours]);
    return a === b;
  } finally {
    existing.destroy();
    source?.destroy();
  }
}
