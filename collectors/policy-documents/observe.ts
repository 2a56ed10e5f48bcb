import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { glob, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { PolicyDocument } from './schema.js';

export interface FoundFiles {
  /** Absolute paths of the files the patterns matched, sorted, each once. */
  files: string[];
  /** Patterns that matched no file. */
  unmatched: string[];
}

/** The files the configured globs match, relative to the config's folder. */
export async function findFiles(patterns: readonly string[], configDir: string): Promise<FoundFiles> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    let matched = 0;
    for await (const file of glob(pattern, { cwd: configDir })) {
      const full = resolve(configDir, file);
      if ((await stat(full)).isFile()) {
        files.add(full);
        matched++;
      }
    }
    if (matched === 0) unmatched.push(pattern);
  }
  return { files: [...files].sort(), unmatched };
}

/** A document's fingerprint: its SHA-256, read as a stream, its size and when it last changed. */
export async function fingerprint(file: string, configDir: string): Promise<PolicyDocument> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const info = await stat(file);
  return { path: relative(configDir, file).split('\\').join('/'), sha256: hash.digest('hex'), size: info.size, modifiedAt: info.mtime.toISOString() };
}
