import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const inflate = promisify(gunzip);

export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The body of a request, refused (413) as soon as it passes `limit` bytes, or
 * inflates past it: nothing beyond the limit is held. Bodies may be gzip
 * compressed (the OpenLineage HTTP transport's `compression: gzip`).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new BodyError(415, `Content-Encoding ${encoding} is not supported: send identity or gzip`);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) throw new BodyError(413, `the body is ${declared} bytes; the limit is ${limit}`);

  const body = await collect(req, limit);
  if (encoding === 'identity') return body;
  try {
    return await inflate(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyError(413, `the body inflates past the limit of ${limit} bytes`);
    throw new BodyError(400, 'the body is not valid gzip');
  }
}

/**
 * Reads the request with listeners rather than an async iterator: leaving an
 * iterator early destroys the request, and with it the socket the 413 must
 * still be written to.
 */
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        parts.push(chunk);
        return;
      }
      req.off('data', onData);
      parts.length = 0;
      // The rest is read and dropped, so the client gets to read the answer.
      req.resume();
      reject(new BodyError(413, `the body is over the limit of ${limit} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(parts)));
    req.once('error', reject);
  });
}
