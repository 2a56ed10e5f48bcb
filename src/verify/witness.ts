import type { KeyObject } from 'node:crypto';
import { type OpenedCheckpoint, openCheckpointBundle, parseCheckpointKey } from '../checkpoint/checkpoint.js';
import type { WitnessReader } from '../checkpoint/witness-target.js';
import type { EvidenceStore, ObjectVersion } from '../store/types.js';
import type { RecordFacts } from './check-record.js';
import type { VerifyProblem } from './problems.js';

/** What `verify --witness` found, per agent. */
export interface WitnessSummary {
  url: string;
  agents: {
    agent: string;
    /** Checkpoints the witness holds of the agent. */
    witnessed: number;
    newestSeq: number | null;
    /** Checkpoints in the store after the newest witnessed one: not witnessed yet. */
    unwitnessed: number;
  }[];
}

interface StoredCheckpoint extends OpenedCheckpoint {
  key: string;
}

export interface WitnessCheckInput {
  witness: WitnessReader;
  store: EvidenceStore;
  /** The store's checkpoints that read, by agent, oldest first. */
  loadedByAgent: ReadonlyMap<string, readonly StoredCheckpoint[]>;
  /** Every checkpoint key in the store, by agent, readable or not. */
  keysByAgent: ReadonlyMap<string, readonly string[]>;
  streams: ReadonlyMap<string, readonly RecordFacts[]>;
  trustedKey?: KeyObject | undefined;
  versionOf?: ((key: string) => ObjectVersion | undefined) | undefined;
  /** Checks that each head of the newest witnessed checkpoint is in the store with its hash (as for `--since`). */
  checkHeads(checkpoint: OpenedCheckpoint, source: string, problems: VerifyProblem[]): void;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** The payload hash of a bundle for a message, or why it has none. */
async function describe(bytes: Uint8Array): Promise<string> {
  try {
    return (await openCheckpointBundle(bytes)).hash;
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
}

/**
 * The store against the checkpoints witnessed outside it (`verify --witness`): every witnessed checkpoint must be
 * in the store byte for byte, and the store must extend the newest witnessed checkpoint of each agent (every head
 * it names still there with its hash). A rewrite after witnessing breaks one or the other, even when whoever made
 * it holds the signing key. Checkpoints in the store after the newest witnessed one are reported as not witnessed
 * yet; an agent with records and no witnessed checkpoint at all is a problem.
 */
export async function checkWitness(input: WitnessCheckInput, problems: VerifyProblem[], warnings: string[]): Promise<WitnessSummary> {
  const { witness, store, loadedByAgent, keysByAgent, streams } = input;
  const agents = new Set<string>([...keysByAgent.keys()]);
  for (const stream of streams.keys()) if ((streams.get(stream)?.length ?? 0) > 0) agents.add(stream.split('/')[0]!);
  for (const agent of (await witness.agents()) ?? []) agents.add(agent);
  const summary: WitnessSummary = { url: witness.url, agents: [] };
  for (const agent of [...agents].sort()) {
    const stored = new Map((loadedByAgent.get(agent) ?? []).map((l) => [l.key, l]));
    let newest: { opened: OpenedCheckpoint; key: string } | null = null;
    let witnessed = 0;
    for await (const object of witness.checkpoints(agent)) {
      witnessed++;
      const at = `${witness.url} ${object.key}`;
      if (object.versions > 1) {
        problems.push({
          kind: 'witness-overwritten',
          key: object.key,
          message: `the witness holds ${object.versions} versions of ${object.key}: it was written again there; the oldest is compared`,
        });
      }
      let opened: OpenedCheckpoint;
      try {
        opened = await openCheckpointBundle(object.bytes, input.trustedKey);
      } catch (err) {
        problems.push({ kind: 'witness-invalid', key: object.key, message: `the checkpoint witnessed at ${at} does not open: ${(err as Error).message}` });
        continue;
      }
      const parts = parseCheckpointKey(object.key);
      if (parts?.agent !== opened.checkpoint.agent || parts.seq !== opened.checkpoint.seq) {
        problems.push({
          kind: 'witness-invalid',
          key: object.key,
          message: `the checkpoint witnessed at ${at} says agent ${opened.checkpoint.agent} #${opened.checkpoint.seq}`,
        });
        continue;
      }
      if (!newest || opened.checkpoint.seq > newest.opened.checkpoint.seq) newest = { opened, key: object.key };
      const inStore = keysByAgent.get(agent)?.includes(object.key) ? await store.get(object.key, input.versionOf?.(object.key)?.versionId) : null;
      if (!inStore) {
        problems.push({
          kind: 'witness-rollback',
          key: object.key,
          message: `the store has no ${object.key}, but the witness ${witness.url} holds it (payload ${opened.hash}): the store was rolled back or its checkpoints removed`,
        });
      } else if (!sameBytes(inStore, object.bytes)) {
        const storedHash = stored.get(object.key)?.hash ?? (await describe(inStore));
        problems.push({
          kind: 'witness-mismatch',
          key: object.key,
          message:
            storedHash === opened.hash
              ? `${object.key} is not byte for byte the checkpoint witnessed at ${witness.url} (same payload ${opened.hash}, signed again)`
              : `${object.key} is not the checkpoint witnessed at ${witness.url}: its payload hashes to ${storedHash}, the witnessed one to ${opened.hash}; the store's checkpoints were rewritten after witnessing`,
        });
      }
    }
    if (newest) input.checkHeads(newest.opened, `${witness.url} ${newest.key}`, problems);
    const newestSeq = newest?.opened.checkpoint.seq ?? null;
    const unwitnessed = (keysByAgent.get(agent) ?? []).filter((k) => (parseCheckpointKey(k)?.seq ?? -1) > (newestSeq ?? -1)).length;
    const hasRecords = [...streams].some(([s, facts]) => s.startsWith(`${agent}/`) && facts.length > 0);
    if (newest === null && hasRecords) {
      problems.push({
        kind: 'witness-missing',
        key: `checkpoints/${agent}/`,
        message: `the witness ${witness.url} holds no checkpoint of agent ${agent}, which has records: nothing outside the store vouches for them (is witness.url set in its config, and does its role may write there?)`,
      });
    } else if (unwitnessed > 0) {
      warnings.push(
        `${unwitnessed} checkpoints of agent ${agent} after #${String(newestSeq)} are not witnessed yet (the agent sends them after its next run); ` +
          'what they add rests on the store and the signing key alone',
      );
    }
    summary.agents.push({ agent, witnessed, newestSeq, unwitnessed });
  }
  return summary;
}
