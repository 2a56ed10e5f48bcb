import type { Readable } from 'node:stream';
import { CHECKPOINTS_PREFIX, parseCheckpointKey } from '../checkpoint/checkpoint.js';
import { BLOBS_PREFIX, isBlobKey, isId, parseRecordKey, RECORDS_PREFIX, type RecordKeyParts } from '../store/layout.js';
import {
  type EvidenceStore,
  type Immutability,
  type ListOptions,
  type PutResult,
  type StorageNote,
  type StoreAudit,
  type StoreEntry,
  StoreError,
} from '../store/types.js';
import { oldestVersion, type VersionIndex } from './object-audit.js';
import type { VerifyProblem } from './problems.js';

export interface RecordEntry extends RecordKeyParts {
  key: string;
}

export interface Inventory {
  /** Every record key, listed or kept as a version behind a delete marker, in key order. */
  records: RecordEntry[];
  /** The store as verify reads it: listings hold only what the inventory accepted, and what is no object reads as absent. */
  store: EvidenceStore;
}

const STRAY: readonly [prefix: string, message: string][] = [
  [RECORDS_PREFIX, 'not a record key (records/<agent>/<collector>/<YYYY-MM-DD>/<seq>.json, ids of letters, digits, ".", "_" and "-")'],
  [BLOBS_PREFIX, 'not a blob key (blobs/sha256/<64 lowercase hex>)'],
  [CHECKPOINTS_PREFIX, 'not a checkpoint key (checkpoints/<agent>/<seq>.json)'],
];

function strayMessage(key: string): string {
  if (key.endsWith('/')) return 'a folder marker (an empty object named like a folder, as a bucket console makes): not evidence';
  return STRAY.find(([prefix]) => key.startsWith(prefix))?.[1] ?? 'not evidence: a store holds records/, blobs/ and checkpoints/ only';
}

function isCheckpointKey(key: string): boolean {
  const parts = parseCheckpointKey(key);
  return parts !== null && isId(parts.agent);
}

async function* asEntries(keys: AsyncIterable<string>): AsyncIterable<StoreEntry> {
  for await (const key of keys) yield { key };
}

/**
 * Lists the whole store once and sorts what it holds into records, blobs and
 * checkpoints. Anything else under the root is reported as a stray object
 * with its key, and never read: a name no agent writes, or, in a local
 * folder, a symbolic link, FIFO, socket or device, which could lead out of
 * the store or block a reader forever.
 */
export async function takeInventory(
  store: EvidenceStore,
  versions: VersionIndex | undefined,
  problems: VerifyProblem[],
  /** Keys that are not evidence but belong where they are (an evidence package's manifest.json and VERIFY.md): neither strays nor listed. */
  expected: ReadonlySet<string> = new Set(),
): Promise<Inventory> {
  const all: StoreEntry[] = [];
  for await (const entry of store.entries ? store.entries('') : asEntries(store.list(''))) all.push(entry);
  const hidden = new Set<string>();
  if (versions) {
    const seen = new Set(all.map((e) => e.key));
    // A key hidden behind a delete marker is no longer listed, but its locked record still counts.
    for (const key of versions.keys()) if (key.startsWith(RECORDS_PREFIX) && !seen.has(key) && oldestVersion(versions, key)) hidden.add(key);
    for (const key of hidden) all.push({ key });
    all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  const records: RecordEntry[] = [];
  const objects: string[] = [];
  const notObjects = new Set<string>();
  for (const { key, notAnObject } of all) {
    // A bucket's marker of the root itself (an empty object named like the prefix): the root, not something under it.
    if (key === '' || (expected.has(key) && !notAnObject)) continue;
    if (notAnObject) {
      notObjects.add(key);
      problems.push({ kind: 'stray-object', key, message: `${notAnObject}, not a regular file: not evidence, and not read` });
      continue;
    }
    const record = parseRecordKey(key);
    if (!record && !isBlobKey(key) && !isCheckpointKey(key)) {
      problems.push({ kind: 'stray-object', key, message: strayMessage(key) });
      continue;
    }
    if (record) records.push({ key, ...record });
    if (!hidden.has(key)) objects.push(key);
  }
  return { records, store: new InventoriedStore(store, objects, notObjects) };
}

/** A read-only view of a store whose listings come from its inventory. */
class InventoriedStore implements EvidenceStore {
  readonly url: string;
  readonly storage: StorageNote | undefined;
  readonly audit: StoreAudit | undefined;

  constructor(
    private readonly store: EvidenceStore,
    /** Sorted. */
    private readonly keys: readonly string[],
    private readonly notObjects: ReadonlySet<string>,
  ) {
    this.url = store.url;
    this.storage = store.storage;
    this.audit = store.audit;
  }

  async put(key: string): Promise<PutResult> {
    throw new StoreError(`cannot write ${key}: verify only reads ${this.url}`);
  }

  async get(key: string, versionId?: string): Promise<Uint8Array | null> {
    return this.notObjects.has(key) ? null : this.store.get(key, versionId);
  }

  async open(key: string, versionId?: string): Promise<Readable | null> {
    return this.notObjects.has(key) ? null : this.store.open(key, versionId);
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    let last: string | undefined;
    for (const key of this.keys) {
      if (!key.startsWith(prefix)) continue;
      const slash = options.delimiter ? key.indexOf('/', prefix.length) : -1;
      const item = slash < 0 ? key : key.slice(0, slash + 1);
      if (item !== last) yield item;
      last = item;
    }
  }

  describe(): Promise<Immutability> {
    return this.store.describe();
  }

  async close(): Promise<void> {
    // The store is the caller's to close.
  }
}
