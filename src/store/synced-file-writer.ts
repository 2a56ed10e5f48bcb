import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Unsynced bytes that start a background datasync. */
const SYNC_EVERY = 8 << 20;

/**
 * Writes a stream to an open file and makes it durable: its end waits for an
 * fsync and closes the file. While the stream runs, a datasync starts in the
 * background after every few MiB, so the disk writes as the bytes come
 * instead of all at the end: the final fsync, the one a caller waits for, has
 * only the tail left to write. A failed background sync fails the stream.
 */
export class SyncedFileWriter extends Writable {
  private unsynced = 0;
  private syncing: Promise<void> | null = null;
  private syncError: Error | null = null;
  private open = true;

  /** `failed` turns the file's own errors (a full disk, an I/O error) into what the owner reports them as. */
  constructor(
    private readonly handle: FileHandle,
    private readonly failed: (error: Error) => Error,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll(chunk).then(
      () => callback(this.syncError && this.failed(this.syncError)),
      (error: Error) => callback(this.failed(error)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const finish = async () => {
      await this.syncing;
      if (this.syncError) throw this.syncError;
      await this.handle.sync();
      await this.close();
    };
    finish().then(
      () => callback(),
      (error: Error) => callback(this.failed(error)),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const release = async () => {
      await this.syncing;
      await this.close().catch(() => undefined);
    };
    void release().then(() => callback(error));
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    // A regular file takes a whole write but for a full disk or a signal; a short one goes on where it stopped.
    for (let done = 0; done < chunk.length; ) {
      const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done);
      if (bytesWritten === 0) throw new Error('the file took no more bytes');
      done += bytesWritten;
    }
    this.unsynced += chunk.length;
    if (this.unsynced >= SYNC_EVERY && this.syncing === null) {
      this.unsynced = 0;
      this.syncing = this.handle
        .datasync()
        .catch((error: Error) => {
          this.syncError = error;
        })
        .finally(() => {
          this.syncing = null;
        });
    }
  }

  private async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.handle.close();
  }
}
