import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create as createTar } from 'tar';
import { recordHash, sha256Hex } from '../record/hash.js';
import type { EvidenceRecord } from '../record/types.js';
import { HashMeter } from '../store/hash-meter.js';
import { blobKey, parseRecordKey } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import { MANIFEST_KEY, PACKAGE_SCHEMA, type PackageFile, type PackageManifest, type PackageSelection, VERIFY_GUIDE_KEY } from '../verify/package-manifest.js';
import { ChainKeys } from './chain-keys.js';
import { CheckpointIndex } from './checkpoint-index.js';
import { besideOutput, publishFile, publishFolder } from './output-file.js';
import type { PopulationHeader } from './population.js';
import type { Drawn } from './sample.js';
import { parseRecord } from './scan.js';
import { verifyGuide } from './verify-guide.js';

/**
 * Records held from a selected one up to the head of the checkpoint that covers it. Beyond this only the next record
 * is held, and the selection's `truncated` says so: a record a year before its checkpoint would otherwise bring the
 * whole year with it.
 */
export const CONTINUITY_LIMIT = 1000;

/**
 * A selection as a package's manifest lists it: `checkpoint` is the oldest checkpoint of the record's agent that
 * covers it (absent when none does), `truncated` says that only the next record is held on the way to its head.
 */
export interface HeldSelection extends PackageSelection {
  checkpoint?: string;
  truncated?: true;
}

export interface PackageSpec {
  store: EvidenceStore;
  /** A folder, or a `.tar.gz` file holding the same. */
  out: string;
  query: PackageManifest['query'];
  population: Pick<PopulationHeader, 'rows' | 'heads'>;
  drawn: readonly Drawn[];
  agentVersion: string;
  now: Date;
}

export interface WrittenPackage {
  manifest: PackageManifest & { selected: HeldSelection[] };
  /** Lowercase hex SHA-256 of manifest.json as written. */
  manifestSha256: string;
}

/** The store does not hold what a package must hold, as the records name it; the message names the key. */
export class PackageSourceError extends Error {
  override name = 'PackageSourceError';
}

export function isArchivePath(out: string): boolean {
  return out.endsWith('.tar.gz') || out.endsWith('.tgz');
}

const sourceFault = (key: string, problem: string) =>
  new PackageSourceError(`${key}: ${problem}; run evidence-agent verify on this store to see every problem`);

/** Writes files into the package folder, hashing each as it is written. */
class PackageFolder {
  readonly files = new Map<string, PackageFile>();

  constructor(readonly root: string) {}

  has(path: string): boolean {
    return this.files.has(path);
  }

  async bytes(path: string, bytes: Uint8Array): Promise<void> {
    const file = join(this.root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes, { flag: 'wx' });
    this.files.set(path, { path, size: bytes.byteLength, sha256: sha256Hex(bytes) });
  }

  /** Copies a stored object as a stream, so an attachment of any size passes through in bounded memory. */
  async copy(store: EvidenceStore, key: string, expectedSha256: string): Promise<void> {
    const source = await store.open(key);
    if (!source) throw sourceFault(key, 'named by a held record, but missing from the store');
    const file = join(this.root, key);
    await mkdir(dirname(file), { recursive: true });
    const meter = new HashMeter();
    await pipeline(source, meter, createWriteStream(file, { flags: 'wx' }));
    const sha256 = meter.sha256();
    const size = meter.size;
    if (sha256 !== expectedSha256) throw sourceFault(key, `its bytes hash to ${sha256}, not to the name they are stored under`);
    this.files.set(key, { path: key, size, sha256 });
  }
}

/** Everything a package holds besides its manifest and guide, gathered from the store. */
class PackageContents {
  private readonly chain: ChainKeys;
  private readonly checkpoints: CheckpointIndex;

  constructor(
    private readonly store: EvidenceStore,
    private readonly folder: PackageFolder,
  ) {
    this.chain = new ChainKeys(store);
    this.checkpoints = new CheckpointIndex(store);
  }

  /** The selected record, the one before it, and the records up to the head of the checkpoint that covers it. */
  async hold(drawn: Drawn): Promise<Omit<HeldSelection, 'key' | 'hash' | 'order' | 'itemId'>> {
    const { key, record, bytes } = drawn.scanned;
    const day = parseRecordKey(key)!.day;
    await this.record(key, bytes, record);
    if (record.seq > 0) {
      const previous = await this.chain.before(record.stream, record.seq - 1, day);
      if (previous) await this.record(previous);
    }
    const covering = await this.checkpoints.oldestCovering(record.stream.split('/')[0]!, record.stream, record.seq);
    const head = covering?.checkpoint.heads[record.stream]?.seq;
    const truncated = head !== undefined && head - record.seq > CONTINUITY_LIMIT;
    const to = head === undefined || truncated ? record.seq + 1 : head;
    for await (const next of this.chain.between(record.stream, record.seq + 1, to, day)) await this.record(next);
    if (covering && !this.folder.has(covering.ref.key)) await this.folder.bytes(covering.ref.key, covering.bytes);
    return { ...(covering ? { checkpoint: covering.ref.key } : {}), ...(truncated ? { truncated: true as const } : {}) };
  }

  /** A record, byte for byte as stored, with its attachments and the payload schema it names. */
  private async record(key: string, known?: Uint8Array, parsed?: EvidenceRecord): Promise<void> {
    if (this.folder.has(key)) return;
    const bytes = known ?? (await this.store.get(key));
    if (!bytes) throw sourceFault(key, 'listed but could not be read');
    const record = parsed ?? parseRecord(key, bytes);
    if (recordHash(record) !== record.hash) throw sourceFault(key, 'the record does not match its own hash');
    await this.folder.bytes(key, bytes);
    for (const a of record.attachments) {
      if (a.key !== blobKey(a.sha256)) throw sourceFault(key, `attachment ${a.name} is at ${a.key}, not ${blobKey(a.sha256)}`);
      if (!this.folder.has(a.key)) await this.folder.copy(this.store, a.key, a.sha256);
    }
    const schema = /^sha256:([0-9a-f]{64})$/.exec(record.collector.payloadSchema ?? '')?.[1];
    if (schema && !this.folder.has(blobKey(schema))) await this.folder.copy(this.store, blobKey(schema), schema);
  }
}

function sortedFiles(files: Iterable<PackageFile>): PackageFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Writes an evidence package (the layout is in evidence-schema/README.md, "Evidence packages"): into a folder beside
 * the output, which is moved into place once complete, or archived as `.tar.gz` and then removed.
 */
export async function writePackage(spec: PackageSpec): Promise<WrittenPackage> {
  const staging = besideOutput(spec.out, 'partial');
  const archive = isArchivePath(spec.out) ? besideOutput(spec.out, 'partial-archive') : null;
  try {
    await mkdir(staging);
    const folder = new PackageFolder(staging);
    const contents = new PackageContents(spec.store, folder);
    const selected: HeldSelection[] = [];
    for (const drawn of spec.drawn) {
      const held = await contents.hold(drawn);
      selected.push({
        key: drawn.row.key,
        hash: drawn.row.hash,
        ...(drawn.row.itemId === undefined ? {} : { itemId: drawn.row.itemId }),
        order: drawn.order,
        ...held,
      });
    }
    await folder.bytes(VERIFY_GUIDE_KEY, Buffer.from(verifyGuide(spec.query, spec.population.rows, selected.length, CONTINUITY_LIMIT), 'utf8'));
    const manifest: WrittenPackage['manifest'] = {
      schema: PACKAGE_SCHEMA,
      createdAt: spec.now.toISOString(),
      agentVersion: spec.agentVersion,
      query: spec.query,
      population: { rows: spec.population.rows, heads: spec.population.heads },
      selected,
      files: sortedFiles(folder.files.values()),
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    await writeFile(join(staging, MANIFEST_KEY), manifestBytes, { flag: 'wx' });
    if (archive) {
      await createTar({ gzip: true, portable: true, cwd: staging, file: archive }, [MANIFEST_KEY, ...manifest.files.map((f) => f.path)]);
      await publishFile(archive, spec.out);
    } else await publishFolder(staging, spec.out);
    return { manifest, manifestSha256: sha256Hex(manifestBytes) };
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (archive) await rm(archive, { force: true });
  }
}
