import type { KeyObject } from 'node:crypto';
import { mapLimit } from '../pool.js';
import { FileStore } from '../store/file-store.js';
import { type EvidenceStore, StoreError } from '../store/types.js';
import { checkChain } from './check-chain.js';
import { checkAttachment, checkRecord, type RecordFacts } from './check-record.js';
import { type RecordEntry, takeInventory } from './inventory.js';
import { checkPackageCheckpoints, type SelectedRecord } from './package-checkpoints.js';
import { checkPackageFiles } from './package-files.js';
import { claimsPackage, MANIFEST_KEY, type PackageManifest, parseManifest, VERIFY_GUIDE_KEY } from './package-manifest.js';
import { PayloadSchemas } from './payload-schemas.js';
import type { VerifyProblem } from './problems.js';
import { type StreamSummary, summarizeStream, type VerifyReport } from './verify.js';

export interface PackageVerifyOptions {
  /** Public key that must have signed every checkpoint the package holds. */
  trustedKey?: KeyObject | undefined;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The manifest of the evidence package a store is, or null when it is a store. Only a local folder is taken
 * for a package (packages are folders an auditor receives; a bucket is always verified as a store), and only
 * when its root manifest.json says it is one.
 */
export async function packageManifest(store: EvidenceStore): Promise<Uint8Array | null> {
  if (!(store instanceof FileStore)) return null;
  const bytes = await store.get(MANIFEST_KEY).catch((err: unknown) => {
    // Not a regular file: not a package's manifest, and reported as a stray by the store's verification.
    if (err instanceof StoreError) return null;
    throw err;
  });
  return bytes && claimsPackage(bytes) ? bytes : null;
}

/** A stream's held records cut where positions are missing; a repeated position stays in its run, where it is reported as a fork. */
function runsOf(facts: readonly RecordFacts[]): RecordFacts[][] {
  const runs: RecordFacts[][] = [];
  for (const f of facts) {
    const run = runs.at(-1);
    if (run && f.seq <= run.at(-1)!.seq + 1) run.push(f);
    else runs.push([f]);
  }
  return runs;
}

/** The selected records the package holds, once each however many of their items were drawn. */
function heldSelections(manifest: PackageManifest, held: ReadonlyMap<string, { entry: RecordEntry; facts: RecordFacts }>, problems: VerifyProblem[]) {
  const found = new Map<string, SelectedRecord>();
  manifest.selected.forEach((s, i) => {
    const record = held.get(s.key);
    if (!record) {
      problems.push({ kind: 'package-selected-missing', key: s.key, message: `selected[${i}] of ${MANIFEST_KEY} is not in the package` });
      return;
    }
    if (record.facts.hash !== s.hash) {
      problems.push({
        kind: 'package-manifest',
        key: s.key,
        message: `selected[${i}] of ${MANIFEST_KEY} names hash ${s.hash}; the record the package holds has ${String(record.facts.hash)}`,
      });
    }
    found.set(s.key, { stream: record.entry.stream, facts: record.facts, selection: s });
  });
  return [...found.values()];
}

/**
 * Verifies an evidence package (`evidence-agent sample`): its manifest and every file it lists, each record
 * it holds as verify checks a store's, the links between held records of consecutive positions, its
 * checkpoints, and that it holds every selected record up to a signed head. Positions it does not hold are
 * not problems: a package holds a sample, not a store.
 */
export async function verifyPackage(source: EvidenceStore, manifestBytes: Uint8Array, options: PackageVerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  const concurrency = options.concurrency ?? 32;
  const manifest = parseManifest(manifestBytes, problems);
  const { records: entries, store } = await takeInventory(source, undefined, problems, new Set([MANIFEST_KEY, VERIFY_GUIDE_KEY]));
  const files = manifest ? await checkPackageFiles(source, manifest, problems, concurrency) : 0;

  entries.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)));
  const payloads = new PayloadSchemas(store);
  let done = 0;
  const facts = await mapLimit(entries, concurrency, async (entry) => {
    const f = await checkRecord(store, entry.key, entry, problems, payloads);
    options.onProgress?.(++done, entries.length);
    return f;
  });

  const byStream = new Map<string, RecordFacts[]>();
  const held = new Map<string, { entry: RecordEntry; facts: RecordFacts }>();
  entries.forEach((entry, i) => {
    byStream.set(entry.stream, [...(byStream.get(entry.stream) ?? []), facts[i]!]);
    held.set(entry.key, { entry, facts: facts[i]! });
  });
  const streams: StreamSummary[] = [];
  for (const [stream, streamFacts] of byStream) {
    for (const run of runsOf(streamFacts)) checkChain(stream, run, { fromStart: false }, problems);
    streams.push(summarizeStream(stream, streamFacts));
  }

  const attachments = new Map<string, { attachment: RecordFacts['attachments'][number]; referencedBy: string }>();
  for (const f of facts) for (const a of f.attachments) if (!attachments.has(a.key)) attachments.set(a.key, { attachment: a, referencedBy: f.key });
  await mapLimit([...attachments.values()], 4, ({ attachment, referencedBy }) => checkAttachment(store, attachment, referencedBy, problems));

  const selected = manifest ? heldSelections(manifest, held, problems) : [];
  const checkpoints = await checkPackageCheckpoints(store, byStream, selected, problems, warnings, options.trustedKey);
  return {
    store: source.url,
    from: null,
    to: null,
    records: facts.length,
    attachments: attachments.size,
    streams,
    checkpoints,
    problems,
    warnings,
    package: { selected: manifest?.selected.length ?? 0, files, query: manifest?.query ?? null },
    ok: problems.length === 0,
  };
}
