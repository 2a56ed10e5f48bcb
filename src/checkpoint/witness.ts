import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { isErrno } from '../store/errno.js';
import { fsyncPath } from '../store/fsync-path.js';
import type { EvidenceStore } from '../store/types.js';
import { CHECKPOINTS_PREFIX, parseCheckpointKey } from './checkpoint.js';
import type { WitnessSettings } from './witness-settings.js';
import { openWitnessTarget, type WitnessTarget } from './witness-target.js';

export type { WitnessSettings };

/** What a push left behind: checkpoints the witness took now, those still to send, and why they wait. */
export interface WitnessOutcome {
  witness: string;
  witnessed: number;
  pending: number;
  failure?: string;
}

interface Marker {
  witness: string;
  agent: string;
  /** The highest checkpoint `seq` the witness took, every one before it included; -1 for none. */
  witnessedThrough: number;
}

/**
 * Sends an agent's signed checkpoints to the witness, in order, after they
 * are in the store. The store stays the source: a checkpoint the witness does
 * not take waits there, and a local marker (in the spool folder, beside what
 * it remembers of the bucket) says how far the witness got, so the next run
 * sends the rest. The witness is never read: the agent may only write to it.
 */
export class CheckpointWitness {
  private readonly markerDir: string;
  private pushing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly target: WitnessTarget,
    spoolDir: string,
    private readonly log: Logger,
  ) {
    // Under the spool's `.known/`, which the spool never sends as evidence.
    this.markerDir = join(spoolDir, '.known', 'witness', createHash('sha256').update(target.url).digest('hex').slice(0, 16));
  }

  static async open(settings: WitnessSettings, baseDir: string, spool: string | undefined, log: Logger): Promise<CheckpointWitness> {
    return new CheckpointWitness(await openWitnessTarget(settings, baseDir, log), resolve(baseDir, spool ?? '.evidence-spool'), log);
  }

  get url(): string {
    return this.target.url;
  }

  private markerPath(agentId: string): string {
    return join(this.markerDir, `${agentId}.json`);
  }

  private async witnessedThrough(agentId: string): Promise<number> {
    try {
      const marker = JSON.parse(await readFile(this.markerPath(agentId), 'utf8')) as Partial<Marker>;
      return Number.isInteger(marker.witnessedThrough) ? marker.witnessedThrough! : -1;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return -1;
      // An unreadable marker costs only repeated puts, which the witness takes as already there.
      this.log.warn({ err, marker: this.markerPath(agentId) }, 'witness marker unreadable; sending every checkpoint again');
      return -1;
    }
  }

  private async mark(agentId: string, seq: number): Promise<void> {
    await mkdir(this.markerDir, { recursive: true });
    const path = this.markerPath(agentId);
    const marker: Marker = { witness: this.target.url, agent: agentId, witnessedThrough: seq };
    await writeFile(`${path}.tmp`, `${JSON.stringify(marker)}\n`, { mode: 0o600 });
    await fsyncPath(`${path}.tmp`);
    await rename(`${path}.tmp`, path);
    await fsyncPath(this.markerDir);
  }

  /** The agent's checkpoints in the store the witness has not taken yet, oldest first. */
  private async unwitnessed(store: EvidenceStore, agentId: string, through: number): Promise<{ key: string; seq: number }[]> {
    const out: { key: string; seq: number }[] = [];
    for await (const key of store.list(`${CHECKPOINTS_PREFIX}${agentId}/`)) {
      const parts = parseCheckpointKey(key);
      if (parts?.agent === agentId && parts.seq > through) out.push({ key, seq: parts.seq });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Sends what waits for an agent; never throws for the witness's sake: the outcome says what is pending and why. */
  push(store: EvidenceStore, agentId: string): Promise<WitnessOutcome> {
    // One push at a time, so the marker only moves forward.
    const done = this.pushing.then(() => this.pushNow(store, agentId));
    this.pushing = done.catch(() => undefined);
    return done;
  }

  private async pushNow(store: EvidenceStore, agentId: string): Promise<WitnessOutcome> {
    const outcome: WitnessOutcome = { witness: this.target.url, witnessed: 0, pending: 0 };
    let waiting: { key: string; seq: number }[] = [];
    try {
      waiting = await this.unwitnessed(store, agentId, await this.witnessedThrough(agentId));
      for (const [i, { key, seq }] of waiting.entries()) {
        const bytes = await store.get(key);
        if (!bytes) throw new Error(`${key} is listed in ${store.url} but cannot be read`);
        if ((await this.target.put(key, bytes)) === 'exists') {
          this.log.warn(
            { key, witness: this.target.url },
            'the witness already holds this checkpoint (a retry); it is not read back here: verify --witness compares it',
          );
        }
        await this.mark(agentId, seq);
        outcome.witnessed = i + 1;
      }
    } catch (err) {
      outcome.pending = waiting.length - outcome.witnessed;
      outcome.failure = (err as Error).message;
      this.log.error(
        { err, witness: this.target.url, pending: outcome.pending },
        'checkpoints not witnessed; they stay in the store and are sent to the witness on the next run',
      );
      return outcome;
    }
    if (outcome.witnessed > 0) this.log.info({ witness: this.target.url, witnessed: outcome.witnessed }, 'checkpoints witnessed');
    return outcome;
  }

  close(): Promise<void> {
    return this.target.close();
  }
}
