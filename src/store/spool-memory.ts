import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isErrno } from './errno.js';
import { FileStore } from './file-store.js';
import { fsyncPath } from './fsync-path.js';
import { parseRecordKey, streamPrefix } from './layout.js';
import type { BucketPosture } from './remote/backend.js';
import type { RetentionSettings } from './remote/preflight.js';
import { StorePreflightError } from './types.js';

/** The folder of the spool that holds what it remembers of its bucket; it is never sent. */
export const SPOOL_MEMORY_DIR = '.known';

/** What a preflight judged a bucket under: a remembered preflight stands only for the same bucket and settings. */
export interface CheckedSettings {
  url: string;
  retention: RetentionSettings;
  allowMutable: boolean;
}

/** A preflight that passed: the settings, what the bucket said about itself, and when. */
export interface RememberedPreflight extends CheckedSettings {
  posture: BucketPosture;
  checkedAt: string;
}

interface Remembered {
  key: string;
  /** Written by the collector itself rather than an agent's notice about its stream. */
  collected: boolean;
}

/**
 * The subject kind the record format reserves for the agent's own records about a stream (a failed,
 * skipped or missed run; see evidence-schema/README.md). A collector resumes from its own newest record,
 * past any such notices after it, so that one is remembered too.
 */
const AGENT_NOTICE_KIND = 'collector';

/** Replaces a small file so that a crash leaves the old or the new content, never a mix. */
async function replaceFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncPath(dirname(path));
}

function describeSettings(s: CheckedSettings): string {
  return `retention ${s.retention.mode} ${s.retention.days} days${s.retention.perObject ? ' per object' : ''}${s.allowMutable ? ', allowMutable' : ''}`;
}

function isRemembered(value: unknown): value is RememberedPreflight {
  const v = value as Partial<RememberedPreflight> | null;
  return (
    typeof v?.url === 'string' &&
    typeof v.checkedAt === 'string' &&
    typeof v.allowMutable === 'boolean' &&
    typeof v.retention === 'object' &&
    typeof v.posture === 'object' &&
    v.posture !== null
  );
}

/**
 * What a spool knows of its bucket, for a run that starts while the bucket
 * cannot be reached: the last preflight that passed, and the newest records
 * of each stream the bucket confirmed through this spool. Records still in
 * the spool are the writer's memory of what it wrote and has not sent; these
 * are its memory of what it sent, so a stream's head is known from the two
 * together even when the spool was emptied before the outage.
 *
 * Kept under `<spool>/.known/<hash of the bucket URL>/`, so a spool pointed
 * at another bucket never takes this one's heads for its own.
 */
export class SpoolMemory {
  private readonly root: string;
  /** The records remembered of each stream, oldest first, as this process last left them. */
  private readonly remembered = new Map<string, Remembered[]>();
  /** Copies of confirmed records at their own keys, so they list and read like the store they came from. */
  readonly heads: FileStore;

  constructor(
    private readonly spoolDir: string,
    url: string,
  ) {
    this.root = join(spoolDir, SPOOL_MEMORY_DIR, createHash('sha256').update(url).digest('hex').slice(0, 16));
    this.heads = new FileStore(this.root);
  }

  private get preflightFile(): string {
    return join(this.root, 'preflight.json');
  }

  async rememberPreflight(settings: CheckedSettings, posture: BucketPosture, checkedAt: Date): Promise<void> {
    const remembered: RememberedPreflight = { ...settings, posture, checkedAt: checkedAt.toISOString() };
    await replaceFile(this.preflightFile, `${JSON.stringify(remembered, null, 2)}\n`);
  }

  /**
   * The preflight remembered for exactly these settings; otherwise refuses with
   * what is missing, since nothing then says the bucket keeps evidence immutable.
   */
  async preflightFor(settings: CheckedSettings, unreachable: Error): Promise<RememberedPreflight> {
    const file = this.preflightFile;
    const text = await readFile(file, 'utf8').catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    });
    const refusal = `store ${settings.url} is unreachable (${unreachable.message}) and has never been checked`;
    const answer = 'Run again when it answers: a run that starts during a later outage then collects into the spool.';
    if (text === null) {
      throw new StorePreflightError(
        `${refusal} from this spool: ${this.spoolDir} holds no preflight of it, so nothing says it keeps evidence immutable. ${answer}`,
      );
    }
    let remembered: unknown;
    try {
      remembered = JSON.parse(text);
    } catch {
      remembered = null;
    }
    if (!isRemembered(remembered)) {
      throw new StorePreflightError(`${refusal}: the preflight remembered in ${file} cannot be read. Delete that file. ${answer}`);
    }
    const { posture: _posture, checkedAt, ...was } = remembered;
    if (!isDeepStrictEqual(was, settings)) {
      throw new StorePreflightError(
        `${refusal} with these settings (${describeSettings(settings)}): the preflight ${this.spoolDir} remembers, of ${checkedAt}, was for ${describeSettings(was)}. ${answer}`,
      );
    }
    return remembered;
  }

  /** Whether any record of a stream is remembered. */
  async knows(stream: string): Promise<boolean> {
    for await (const _ of this.heads.list(streamPrefix(stream))) return true;
    return false;
  }

  /**
   * Remembers a record the bucket has just confirmed (a spooled file, before it
   * leaves the spool), then forgets the older ones of its stream but the newest
   * the collector itself wrote. Anything else is not a record and not kept.
   */
  async rememberConfirmed(key: string, path: string): Promise<void> {
    const parts = parseRecordKey(key);
    if (!parts) return;
    await this.linkDurably(key, path);
    const kind = await this.subjectKind(key);
    // Forgotten at once by another process sharing the spool, which has remembered a newer record.
    if (kind === undefined) return;
    const added: Remembered = { key, collected: kind !== AGENT_NOTICE_KIND };
    const known = this.remembered.get(parts.stream) ?? (await this.rememberedOf(parts.stream));
    const all = [...known.filter((r) => r.key !== key), added].sort((a, b) => (a.key < b.key ? -1 : 1));
    const head = all.at(-1)!;
    const collected = all.findLast((r) => r.collected);
    const kept = all.filter((r) => r === head || r === collected);
    this.remembered.set(parts.stream, kept);
    const keptDays = new Set(kept.map((r) => dirname(r.key)));
    // Only older records go: another process sharing the spool may have remembered ones this one
    // has not seen, which stay, and at worst are forgotten on a later pass.
    for (const { key: old } of all) {
      if (kept.some((r) => r.key === old)) continue;
      const file = join(this.root, old);
      await unlink(file).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
      // A day folder emptied here would otherwise stay for good, one a day for every stream.
      if (!keptDays.has(dirname(old))) await rmdir(dirname(file)).catch(() => undefined);
    }
  }

  /** What is remembered of a stream, read once per process; later this process keeps count itself. */
  private async rememberedOf(stream: string): Promise<Remembered[]> {
    const found: Remembered[] = [];
    for await (const key of this.heads.list(streamPrefix(stream))) {
      if (!parseRecordKey(key)) continue;
      const kind = await this.subjectKind(key);
      // Forgotten meanwhile by another process sharing the spool.
      if (kind !== undefined) found.push({ key, collected: kind !== AGENT_NOTICE_KIND });
    }
    return found;
  }

  /**
   * Gives the spooled file a second name here. The file is already durable, so
   * only its new name needs syncing: a third of the cost of a copy. A folder a
   * concurrent prune has just removed is made again.
   */
  private async linkDurably(key: string, path: string): Promise<void> {
    const dest = join(this.root, key);
    const dir = dirname(dest);
    for (let attempt = 1; ; attempt++) {
      const created = await mkdir(dir, { recursive: true });
      if (created !== undefined) for (let d = dir; d.length >= created.length; d = dirname(d)) await fsyncPath(dirname(d));
      try {
        await link(path, dest);
        break;
      } catch (err) {
        // The same record sent again (after a crash before its spooled copy went): the bucket confirmed the same bytes.
        if (isErrno(err, 'EEXIST')) break;
        if (!isErrno(err, 'ENOENT') || attempt === 2) throw err;
      }
    }
    await fsyncPath(dir);
  }

  /** The subject kind of a remembered record; undefined when it is no longer there. */
  private async subjectKind(key: string): Promise<unknown> {
    const bytes = await this.heads.get(key);
    if (!bytes) return undefined;
    return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { subject?: { kind?: unknown } }).subject?.kind ?? null;
  }
}
