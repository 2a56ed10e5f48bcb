import { CHECKPOINTS_PREFIX, type Checkpoint, openCheckpointBundle, parseCheckpointKey } from '../checkpoint/checkpoint.js';
import { HASH_PREFIX } from '../record/hash.js';
import type { EvidenceStore } from '../store/types.js';

/** A checkpoint as populations and packages name it; `payloadSha256` is the lowercase hex SHA-256 of its DSSE payload. */
// A type, not an interface, so that it is a JSON value where a manifest holds it.
export type CheckpointRef = {
  key: string;
  seq: number;
  payloadSha256: string;
};

export interface IndexedCheckpoint {
  ref: CheckpointRef;
  checkpoint: Checkpoint;
  bytes: Uint8Array;
}

/** A checkpoint the audit tools cannot read; `verify --trusted-key` says more. */
export class CheckpointReadError extends Error {
  override name = 'CheckpointReadError';
}

/**
 * The checkpoints of each agent, listed once per agent and read only when asked for. Signatures are not checked
 * here: the auditor checks them with the vendor's key (`verify --trusted-key`, or by hand from a package).
 */
export class CheckpointIndex {
  private readonly keys = new Map<string, Promise<string[]>>();
  private readonly opened = new Map<string, Promise<IndexedCheckpoint>>();

  constructor(private readonly store: EvidenceStore) {}

  /** The agent's newest checkpoint when it covers record `seq` of `stream`, else null. */
  async newestCovering(agent: string, stream: string, seq: number): Promise<IndexedCheckpoint | null> {
    const keys = await this.keysOf(agent);
    if (keys.length === 0) return null;
    const newest = await this.read(keys.at(-1)!);
    return covers(newest.checkpoint, stream, seq) ? newest : null;
  }

  /** The agent's newest checkpoint, covering whatever it covers; null when the agent signed none. */
  async newest(agent: string): Promise<IndexedCheckpoint | null> {
    const keys = await this.keysOf(agent);
    return keys.length === 0 ? null : this.read(keys.at(-1)!);
  }

  /**
   * The agent's oldest checkpoint whose head of `stream` is at or after `seq`, else null. The agent never signs a
   * head behind the previous one, so coverage only grows along the checkpoints and a bisection finds the first.
   */
  async oldestCovering(agent: string, stream: string, seq: number): Promise<IndexedCheckpoint | null> {
    const keys = await this.keysOf(agent);
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (covers((await this.read(keys[mid]!)).checkpoint, stream, seq)) hi = mid;
      else lo = mid + 1;
    }
    return lo < keys.length ? this.read(keys[lo]!) : null;
  }

  private keysOf(agent: string): Promise<string[]> {
    let keys = this.keys.get(agent);
    if (!keys) {
      keys = (async () => {
        const found: string[] = [];
        for await (const key of this.store.list(`${CHECKPOINTS_PREFIX}${agent}/`)) if (parseCheckpointKey(key)?.agent === agent) found.push(key);
        return found;
      })();
      this.keys.set(agent, keys);
    }
    return keys;
  }

  private read(key: string): Promise<IndexedCheckpoint> {
    let opened = this.opened.get(key);
    if (!opened) {
      opened = (async () => {
        const bytes = await this.store.get(key);
        if (!bytes)
          throw new CheckpointReadError(`checkpoint ${key} is listed but cannot be read; run evidence-agent verify --trusted-key <public key> on this store`);
        try {
          const { checkpoint, hash } = await openCheckpointBundle(bytes);
          return { ref: { key, seq: checkpoint.seq, payloadSha256: hash.slice(HASH_PREFIX.length) }, checkpoint, bytes };
        } catch (err) {
          throw new CheckpointReadError(`checkpoint ${key}: ${(err as Error).message}; run evidence-agent verify --trusted-key <public key> on this store`);
        }
      })();
      this.opened.set(key, opened);
    }
    return opened;
  }
}

function covers(checkpoint: Checkpoint, stream: string, seq: number): boolean {
  const head = checkpoint.heads[stream];
  return head !== undefined && head.seq >= seq;
}
