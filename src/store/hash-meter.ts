import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through stage of a pipeline that hashes (SHA-256) and counts what flows through it, for content stored under its hash. */
export class HashMeter extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** Lowercase hex; once the pipeline has finished. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}
