import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENT_FILES, type EventText, eventTexts } from './event-texts.js';

export class SourceError extends Error {
  override name = 'SourceError';
}

/** The event files of a path: the file itself, or the .json / .ndjson / .jsonl files under a folder, in name order. */
export async function eventFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new SourceError(
      err.code === 'ENOENT' ? `${path} does not exist: check sources[].path` : `cannot read ${path}: ${err.code ?? err.message}; check its permissions`,
    );
  });
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new SourceError(`${path} is neither a file nor a folder`);
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && EVENT_FILES.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The JSON texts of one local file, streamed line by line. */
export function fileTexts(file: string, options: { pendingTail?: boolean } = {}): AsyncGenerator<EventText> {
  return eventTexts(async () => createReadStream(file, { highWaterMark: 1 << 20 }), file, options);
}
