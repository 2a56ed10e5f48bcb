import type { KeyObject } from 'node:crypto';
import {
  CHECKPOINTS_PREFIX,
  CheckpointSignatureError,
  checkpointKey,
  type OpenedCheckpoint,
  openCheckpointBundle,
  parseCheckpointKey,
  type StreamHead,
} from '../checkpoint/checkpoint.js';
import type { WitnessReader } from '../checkpoint/witness-target.js';
import type { EvidenceStore, ObjectVersion } from '../store/types.js';
import type { RecordFacts } from './check-record.js';
import { type CheckedTime, checkMissingTimestamps, checkTimestamp, type TimestampCheck } from './checkpoint-time.js';
import { checkLock } from './object-audit.js';
import type { ProblemKind, VerifyProblem } from './problems.js';
import { checkWitness, type WitnessSummary } from './witness.js';

/** Records of a stream after its agent's newest checkpoint: written after it (a crash before the next one, or a run still going). */
export interface UnanchoredTail {
  stream: string;
  records: number;
  /** The head the newest checkpoint names for the stream; null when it does not name the stream. */
  afterSeq: number | null;
}

export interface CheckpointSummary {
  count: number;
  lastCreatedAt: string | null;
  /** `verified`: every signature checked against the trusted key; `not-checked`: no key given; `none`: no checkpoints. */
  signatures: 'verified' | 'not-checked' | 'none';
  unanchored: UnanchoredTail[];
  /** The checkpoint given with `verify --since`, and whether the store extends it. */
  since: { source: string; agent: string; seq: number; extended: boolean } | null;
  /** With `verify --witness`: what the witness holds of each agent. */
  witness?: WitnessSummary;
  /** With TSA certificates: how many checkpoints carry an RFC 3161 timestamp that verifies. */
  timestamps?: { source: string; verified: number; toleranceSeconds: number };
}

/** A checkpoint the auditor kept from an earlier verification (`verify --since`); `source` names where it came from. */
export interface KeptCheckpoint extends OpenedCheckpoint {
  source: string;
}

export interface CheckpointOptions {
  /** Public key that must have signed every checkpoint. */
  trustedKey?: KeyObject | undefined;
  /** The version of a key to read (a bucket's oldest). */
  versionOf?: (key: string) => ObjectVersion | undefined;
  /** The end of a `verify --to` window: records after it were not read. */
  to?: Date | undefined;
  since?: KeptCheckpoint | undefined;
  /** Checkpoints witnessed outside the store, which it must hold unchanged and extend (`verify --witness`). */
  witness?: WitnessReader | undefined;
  /** An agent with records and no checkpoint is a problem even without a trusted key (`verify --require-signed`). */
  requireSigned?: boolean | undefined;
  /** TSA certificates every checkpoint's timestamp must verify with (`verify --tsa-certificates`). */
  timestamps?: TimestampCheck | undefined;
}

export interface Loaded extends OpenedCheckpoint {
  key: string;
  /** Checked only with TSA certificates. */
  time?: CheckedTime;
}

/**
 * Without a trusted key nothing in the store is vouched for by anyone outside it: said whenever
 * verify runs without one, since a clean report then proves less than it seems to.
 */
const UNANCHORED_REPORT =
  'so this report proves only that the store is internally consistent: anyone with write access to the store can rewrite whole ' +
  'streams consistently (records, hashes and chains, and checkpoints to match them). Verify with --trusted-key <the checkpoint ' +
  'public key, obtained from the vendor out of band>, and after a clean verification keep the newest ' +
  'checkpoints/<agent>/<seq>.json to pass with --since at the next one';

/** Reads a checkpoint (checking its signature with a trusted key, and its lock in a bucket); null, with a problem pushed, when it does not open. */
export async function load(store: EvidenceStore, key: string, options: CheckpointOptions, problems: VerifyProblem[]): Promise<Loaded | null> {
  const version = options.versionOf?.(key);
  await checkLock(store, key, version, problems);
  const bytes = await store.get(key, version?.versionId);
  try {
    const opened: Loaded = { key, ...(await openCheckpointBundle(bytes ?? new Uint8Array(), options.trustedKey)) };
    if (options.timestamps && bytes) opened.time = checkTimestamp(bytes, key, opened.checkpoint.createdAt, options.timestamps, problems);
    return opened;
  } catch (err) {
    problems.push({ kind: err instanceof CheckpointSignatureError ? 'checkpoint-signature' : 'checkpoint-invalid', key, message: (err as Error).message });
    return null;
  }
}

/** Whether the record a checkpoint names for a stream is still there with the hash it named; pushes a problem of `kind` when not. */
function checkHead(
  kind: ProblemKind,
  stream: string,
  head: StreamHead,
  facts: readonly RecordFacts[] | undefined,
  at: string,
  afterWindow: boolean,
  problems: VerifyProblem[],
): void {
  const record = facts?.find((f) => f.seq === head.seq);
  const first = facts?.[0]?.seq ?? 0;
  const last = facts?.at(-1)?.seq ?? -1;
  if (!record) {
    // Outside the window is not missing: before --from, or after --to in a checkpoint made after it. Otherwise the stream was cut back.
    if (head.seq >= first && !(afterWindow && head.seq > last)) {
      problems.push({ kind, key: at, stream, seq: head.seq, message: `${at} vouches for record ${head.seq} of ${stream}, which is not in the store` });
    }
  } else if (record.hash !== head.hash) {
    problems.push({
      kind,
      key: record.key,
      stream,
      seq: head.seq,
      message: `${at} recorded hash ${head.hash} for this record; it now has ${String(record.hash)}`,
    });
  }
}

/** Groups streams that hold records by agent, the first segment of a stream's name. */
function byAgentOf(streams: ReadonlyMap<string, readonly RecordFacts[]>): Map<string, [string, readonly RecordFacts[]][]> {
  const agents = new Map<string, [string, readonly RecordFacts[]][]>();
  for (const [stream, facts] of streams) {
    if (facts.length === 0) continue;
    const agent = stream.split('/')[0]!;
    agents.set(agent, [...(agents.get(agent) ?? []), [stream, facts]]);
  }
  return agents;
}

/**
 * Every record older than its agent's newest checkpoint must be covered by it: a stream the checkpoint
 * does not name, or records after the head it names, that were observed before it was made, were
 * added to the store behind the agent's back (backdated). Records observed after it are the
 * unanchored tail: written after the checkpoint, or the agent stopped before it wrote the next one.
 */
function checkCoverage(
  agent: string,
  newest: Loaded,
  streams: [string, readonly RecordFacts[]][],
  strict: boolean,
  problems: VerifyProblem[],
  warnings: string[],
  unanchored: UnanchoredTail[],
): void {
  const madeAt = Date.parse(newest.checkpoint.createdAt);
  for (const [stream, facts] of streams) {
    const head = newest.checkpoint.heads[stream];
    const uncovered = facts.filter((f) => !head || f.seq > head.seq);
    const backdated = uncovered.filter((f) => f.observedAt !== null && Date.parse(f.observedAt) < madeAt);
    if (backdated.length > 0) {
      const first = backdated[0]!;
      const message =
        `${backdated.length} records of ${stream} (seq ${first.seq} to ${backdated.at(-1)!.seq}) were observed before ${agent}'s newest checkpoint ` +
        `${newest.key} (${newest.checkpoint.createdAt}), which ${head ? `vouches for seq ${head.seq} only` : 'does not name the stream'}: ` +
        'they were added to the store after that checkpoint was signed, with earlier times';
      if (strict) problems.push({ kind: 'checkpoint-uncovered', key: first.key, stream, seq: first.seq, message });
      else warnings.push(message);
    }
    const tail = uncovered.length - backdated.length;
    if (tail > 0) {
      unanchored.push({ stream, records: tail, afterSeq: head?.seq ?? null });
      warnings.push(
        `${stream}: ${tail} records ${head ? `after seq ${head.seq} ` : ''}are not anchored by a checkpoint yet ` +
          `(written after ${newest.key}: a run whose checkpoint is still to come, or the agent stopped before writing it)`,
      );
    }
  }
}

/** The store must extend the checkpoint the auditor kept: hold it unchanged, and every head it names. */
function checkSince(
  since: KeptCheckpoint,
  loaded: ReadonlyMap<string, Loaded[]>,
  streams: ReadonlyMap<string, readonly RecordFacts[]>,
  to: Date | undefined,
  problems: VerifyProblem[],
): boolean {
  const { agent, seq } = since.checkpoint;
  const key = checkpointKey(agent, seq);
  const ofAgent = loaded.get(agent) ?? [];
  const stored = ofAgent.find((l) => l.key === key);
  const before = problems.length;
  if (!stored) {
    const newest = ofAgent.at(-1)?.checkpoint.seq;
    problems.push({
      kind: 'checkpoint-rollback',
      key,
      message:
        `the store has no checkpoint ${seq} of agent ${agent}${newest === undefined ? '' : ` (its newest is ${newest})`}, ` +
        `but ${since.source}, kept from an earlier verification, is that checkpoint: the store was rolled back`,
    });
  } else if (stored.hash !== since.hash) {
    problems.push({
      kind: 'checkpoint-rollback',
      key,
      message: `${key} is not the checkpoint kept in ${since.source}: its payload hashes to ${stored.hash}, the kept one to ${since.hash}; the store's checkpoints were rewritten`,
    });
  }
  // The heads of a stored, identical checkpoint are checked with every other checkpoint of the store.
  if (stored?.hash !== since.hash) {
    const afterWindow = to !== undefined && Date.parse(since.checkpoint.createdAt) > to.getTime();
    for (const [stream, head] of Object.entries(since.checkpoint.heads)) {
      checkHead('checkpoint-rollback', stream, head, streams.get(stream), since.source, afterWindow, problems);
    }
  }
  return problems.length === before;
}

/**
 * Checks signed checkpoints: each signature (with a trusted key), each
 * agent's chain of checkpoints, that every head a checkpoint names is still
 * in the store with the same hash (which exposes records removed from the end
 * of a stream), that each agent's newest checkpoint covers every record
 * observed before it, and with `since`, that the store extends a checkpoint
 * kept from an earlier verification.
 */
export async function verifyCheckpoints(
  store: EvidenceStore,
  streams: ReadonlyMap<string, readonly RecordFacts[]>,
  problems: VerifyProblem[],
  warnings: string[],
  options: CheckpointOptions = {},
): Promise<CheckpointSummary> {
  const { trustedKey, to } = options;
  const keysByAgent = new Map<string, string[]>();
  for await (const key of store.list(CHECKPOINTS_PREFIX)) {
    const parts = parseCheckpointKey(key);
    if (!parts) {
      problems.push({ kind: 'stray-object', key, message: 'not a checkpoint key (checkpoints/<agent>/<seq>.json)' });
      continue;
    }
    keysByAgent.set(parts.agent, [...(keysByAgent.get(parts.agent) ?? []), key]);
  }
  let count = 0;
  let lastCreatedAt: string | null = null;
  /** Each agent's checkpoints that read (and verify) and sit at their own key, oldest first. */
  const loadedByAgent = new Map<string, Loaded[]>();
  for (const [agent, keys] of keysByAgent) {
    const good: Loaded[] = [];
    let before: Loaded | null = null;
    for (const key of keys.sort()) {
      const loaded = await load(store, key, options, problems);
      if (!loaded) continue;
      count++;
      const { checkpoint } = loaded;
      const expectedSeq = before ? before.checkpoint.seq + 1 : 0;
      if (checkpoint.agent !== agent || checkpoint.seq !== parseCheckpointKey(key)!.seq) {
        problems.push({ kind: 'checkpoint-invalid', key, message: `content says agent ${checkpoint.agent} #${checkpoint.seq}, which belongs at another key` });
      } else {
        good.push(loaded);
        if (checkpoint.seq !== expectedSeq || checkpoint.prev !== (before?.hash ?? null)) {
          problems.push({
            kind: 'checkpoint-chain',
            key,
            message: `expected checkpoint ${expectedSeq} linking to ${before?.hash ?? 'null'}, found ${checkpoint.seq} linking to ${String(checkpoint.prev)}`,
          });
        }
      }
      const afterWindow = to !== undefined && Date.parse(checkpoint.createdAt) > to.getTime();
      for (const [stream, head] of Object.entries(checkpoint.heads))
        checkHead('checkpoint-head-missing', stream, head, streams.get(stream), key, afterWindow, problems);
      if (!lastCreatedAt || checkpoint.createdAt > lastCreatedAt) lastCreatedAt = checkpoint.createdAt;
      before = loaded;
    }
    loadedByAgent.set(agent, good);
    if (options.timestamps) checkMissingTimestamps(agent, good as { key: string; time: CheckedTime }[], problems, warnings);
  }

  const unanchored: UnanchoredTail[] = [];
  const agents = byAgentOf(streams);
  if (keysByAgent.size === 0) {
    const unsigned = `the store is unsigned: it holds no checkpoints (configure signing on the agent), ${UNANCHORED_REPORT}`;
    if (!trustedKey) warnings.push(unsigned);
    else if (agents.size === 0) problems.push({ kind: 'checkpoint-missing', key: CHECKPOINTS_PREFIX, message: 'the store holds no checkpoints' });
  } else if (!trustedKey) warnings.push(`checkpoint signatures were not checked, ${UNANCHORED_REPORT}`);
  for (const [agent, agentStreams] of agents) {
    const newest = loadedByAgent.get(agent)?.at(-1);
    if (newest) {
      checkCoverage(agent, newest, agentStreams, trustedKey !== undefined, problems, warnings, unanchored);
      continue;
    }
    const records = agentStreams.reduce((n, [, facts]) => n + facts.length, 0);
    const message =
      `agent ${agent} has ${records} records in ${agentStreams.length} stream${agentStreams.length === 1 ? '' : 's'} ` +
      `(${agentStreams.map(([s]) => s).join(', ')}) and no checkpoint${keysByAgent.has(agent) ? ' that reads and verifies' : ''}: ` +
      'nothing vouches for them, so they could have been written, rewritten or cut back by anyone with write access';
    if (trustedKey || options.requireSigned) problems.push({ kind: 'checkpoint-missing', key: `${CHECKPOINTS_PREFIX}${agent}/`, message });
    else if (keysByAgent.size > 0) warnings.push(message);
  }
  const since = options.since;
  const extended = since ? checkSince(since, loadedByAgent, streams, to, problems) : false;
  const witness = options.witness
    ? await checkWitness(
        {
          witness: options.witness,
          store,
          loadedByAgent,
          keysByAgent,
          streams,
          trustedKey,
          versionOf: options.versionOf,
          checkHeads: (witnessed, source, found) => {
            const afterWindow = to !== undefined && Date.parse(witnessed.checkpoint.createdAt) > to.getTime();
            for (const [stream, head] of Object.entries(witnessed.checkpoint.heads))
              checkHead('witness-rollback', stream, head, streams.get(stream), source, afterWindow, found);
          },
        },
        problems,
        warnings,
      )
    : undefined;
  return {
    ...(witness ? { witness } : {}),
    count,
    lastCreatedAt,
    signatures: keysByAgent.size === 0 ? 'none' : trustedKey ? 'verified' : 'not-checked',
    unanchored,
    since: since ? { source: since.source, agent: since.checkpoint.agent, seq: since.checkpoint.seq, extended } : null,
    ...(options.timestamps
      ? {
          timestamps: {
            source: options.timestamps.trust.source,
            verified: [...loadedByAgent.values()].flat().filter((l) => l.time instanceof Date).length,
            toleranceSeconds: options.timestamps.toleranceMs / 1000,
          },
        }
      : {}),
  };
}
