import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, link, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** An output the audit tools would otherwise replace; they never replace what an auditor already has. */
export class OutputExistsError extends Error {
  override name = 'OutputExistsError';
  constructor(readonly path: string) {
    super(`${path} already exists: choose another --out, or move it away first (audit outputs are never replaced)`);
  }
}

/** A hidden path beside `out`, on the same file system, so the finished output can be moved into place. */
export function besideOutput(out: string, tag: string): string {
  return join(dirname(out), `.${basename(out)}.${tag}-${randomBytes(6).toString('hex')}`);
}

export async function refuseExisting(out: string): Promise<void> {
  const exists = await access(out).then(
    () => true,
    () => false,
  );
  if (exists) throw new OutputExistsError(out);
}

/** Moves a finished file to `out`, failing rather than replacing a file that appeared there meanwhile. */
export async function publishFile(finished: string, out: string): Promise<void> {
  try {
    await link(finished, out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(out);
    throw err;
  }
  await unlink(finished);
}

/** Moves a finished folder to `out`; rename would replace an empty folder there, so that is checked first. */
export async function publishFolder(finished: string, out: string): Promise<void> {
  await refuseExisting(out);
  await rename(finished, out);
}

/** Text written to a file with backpressure, so a writer of millions of lines holds only what the disk has not taken yet. */
export class TextFile {
  private constructor(private readonly stream: WriteStream) {}

  static async open(path: string): Promise<TextFile> {
    const stream = createWriteStream(path, { flags: 'wx' });
    await once(stream, 'open');
    return new TextFile(stream);
  }

  get writable(): WriteStream {
    return this.stream;
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
    await once(this.stream, 'close');
  }
}
