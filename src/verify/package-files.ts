import { createHash } from 'node:crypto';
import { mapLimit } from '../pool.js';
import type { EvidenceStore } from '../store/types.js';
import { MANIFEST_KEY, type PackageManifest } from './package-manifest.js';
import type { VerifyProblem } from './problems.js';

async function digest(store: EvidenceStore, path: string): Promise<{ size: number; sha256: string } | null> {
  const stream = await store.open(path);
  if (!stream) return null;
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Checks the package's files against its manifest: each listed file is there with its size and SHA-256,
 * and nothing else is (manifest.json aside). Returns how many files the package holds besides the manifest.
 */
export async function checkPackageFiles(store: EvidenceStore, manifest: PackageManifest, problems: VerifyProblem[], concurrency: number): Promise<number> {
  const present = new Map<string, string | undefined>();
  if (!store.entries) throw new Error(`${store.url} cannot list what it holds file by file, so it cannot be checked as an evidence package`);
  for await (const { key, notAnObject } of store.entries('')) if (key !== MANIFEST_KEY) present.set(key, notAnObject);
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const key of present.keys()) {
    if (!listed.has(key)) {
      problems.push({ kind: 'package-file-unlisted', key, message: `not listed in ${MANIFEST_KEY}: added to the package after it was made` });
    }
  }
  await mapLimit(manifest.files, concurrency, async (file) => {
    const fault = (kind: 'package-file-missing' | 'package-file-mismatch', message: string): void => {
      problems.push({ kind, key: file.path, message });
    };
    if (!present.has(file.path)) return fault('package-file-missing', `listed in ${MANIFEST_KEY} but not in the package: removed after it was made`);
    const notAnObject = present.get(file.path);
    if (notAnObject) return fault('package-file-mismatch', `is ${notAnObject}, not the regular file ${MANIFEST_KEY} lists; not read`);
    const found = await digest(store, file.path).catch((err: unknown) => {
      fault('package-file-mismatch', `could not be read: ${(err as Error).message}`);
      return undefined;
    });
    if (found === null) return fault('package-file-missing', `listed in ${MANIFEST_KEY} but not in the package: removed after it was made`);
    if (found && (found.size !== file.size || found.sha256 !== file.sha256)) {
      fault(
        'package-file-mismatch',
        `is ${found.size} bytes with sha256 ${found.sha256}; ${MANIFEST_KEY} lists ${file.size} bytes, ${file.sha256}: changed after the package was made`,
      );
    }
  });
  return present.size;
}
