import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { constants, type FileHandle, glob, lstat, open, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { mapLimit } from '../../src/pool.js';
import type { PolicyDocument, UnreadableDocument } from './schema.js';

export interface FoundFiles {
  /** Absolute paths of everything but folders that the patterns matched, sorted, each once. */
  files: string[];
  /** Patterns that matched no file. */
  unmatched: string[];
}

/**
 * The files the configured globs match, relative to the config's folder. A folder holds no document of its
 * own and is passed over; anything else is kept, even what cannot be stat'ed (a dangling link), so that
 * reading it reports why.
 */
export async function findFiles(patterns: readonly string[], configDir: string): Promise<FoundFiles> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    let matched = 0;
    for await (const file of glob(pattern, { cwd: configDir })) {
      const full = resolve(configDir, file);
      if ((await stat(full).catch(() => null))?.isDirectory()) continue;
      files.add(full);
      matched++;
    }
    if (matched === 0) unmatched.push(pattern);
  }
  return { files: [...files].sort(), unmatched };
}

export interface ReadDocuments {
  /** In the order of the files given. */
  documents: PolicyDocument[];
  unreadable: UnreadableDocument[];
}

/**
 * Files read at once. Every read error becomes a finding, so running out of file descriptors on a large
 * policy tree must not happen: it would report readable documents as unreadable.
 */
const READ_CONCURRENCY = 16;

/** Fingerprints every file; one that cannot be read is set aside with the reason, and the others still count. */
export async function readDocuments(files: readonly string[], configDir: string): Promise<ReadDocuments> {
  const read = await mapLimit(files, READ_CONCURRENCY, (file) => readDocument(file, configDir));
  return {
    documents: read.flatMap((r) => ('document' in r ? [r.document] : [])),
    unreadable: read.flatMap((r) => ('unreadable' in r ? [r.unreadable] : [])),
  };
}

/** A document's fingerprint: its SHA-256, read as a stream, its size and when it last changed. */
async function readDocument(file: string, configDir: string): Promise<{ document: PolicyDocument } | { unreadable: UnreadableDocument }> {
  const path = relative(configDir, file).split('\\').join('/');
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO to read would otherwise wait for a writer, for ever. Regular files ignore it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { unreadable: { path, reason: await whyUnreadable(file, err) } };
  }
  try {
    // The file opened is the one judged: a name swapped for a FIFO after the listing is caught here.
    const info = await handle.stat();
    if (!info.isFile()) return { unreadable: { path, reason: `not a regular file (${kindOf(info)})` } };
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { document: { path, sha256: hash.digest('hex'), size, modifiedAt: info.mtime.toISOString() } };
  } catch (err) {
    return { unreadable: { path, reason: await whyUnreadable(file, err) } };
  } finally {
    await handle.close();
  }
}

/** A short reason, without the absolute path Node's messages carry: the finding names the file relative to the config. */
async function whyUnreadable(file: string, err: unknown): Promise<string> {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return (await lstat(file).catch(() => null))?.isSymbolicLink() ? 'dangling symbolic link' : 'it no longer exists';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENXIO': {
      // open(2) says ENXIO for a socket.
      const info = await stat(file).catch(() => null);
      return info ? `not a regular file (${kindOf(info)})` : 'no such device or address';
    }
    default:
      return (err as Error).message.split(',')[0]!;
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'of an unknown type';
}
