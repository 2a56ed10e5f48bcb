import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LogSource } from '../schema.js';

/** A source's configuration as read: file text, or an inline vLLM argument list, with its SHA-256. */
export type ConfigInput =
  | { location: string; sha256: string; text: string; args?: undefined }
  | { location: 'args'; sha256: string; args: readonly string[]; text?: undefined }
  | { location: string; sha256: null; problem: string };

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Reads a source's config, args file or inline args; null when it has none. Never throws for an unreadable file. */
export async function readConfig(source: LogSource, resolvePath: (p: string) => string): Promise<ConfigInput | null> {
  if (source.args) return { location: 'args', sha256: sha256(JSON.stringify(source.args)), args: source.args };
  const location = source.argsFile ?? source.config;
  if (location === undefined) return null;
  try {
    const bytes = await readFile(resolvePath(location));
    return { location, sha256: sha256(bytes), text: bytes.toString('utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder, not a file' : (code ?? 'unreadable');
    return { location, sha256: null, problem: `${location}: ${why}; check the path in sources[].${source.argsFile ? 'argsFile' : 'config'}` };
  }
}
