import type { KeyObject } from 'node:crypto';
import { CHECKPOINTS_PREFIX, parseCheckpointKey } from '../checkpoint/checkpoint.js';
import type { EvidenceStore } from '../store/types.js';
import type { RecordFacts } from './check-record.js';
import { type CheckpointSummary, type Loaded, load as loadCheckpoint, type UnanchoredTail } from './checkpoints.js';
import { CONTINUITY_LIMIT, MANIFEST_KEY, type PackageSelection } from './package-manifest.js';
import type { VerifyProblem } from './problems.js';

/** A selected record the package holds, with its stream and what the manifest says of it. */
export interface SelectedRecord {
  stream: string;
  facts: RecordFacts;
  selection: PackageSelection;
}

function agentOf(stream: string): string {
  return stream.split('/')[0]!;
}

function seqs(from: number, to: number): string {
  return from === to ? `${from}` : `${from} to ${to}`;
}

/** Reads each agent's checkpoints the package holds, oldest first: signature, key placement, and links between consecutive ones. */
async function loadAll(store: EvidenceStore, trustedKey: KeyObject | undefined, problems: VerifyProblem[]): Promise<Map<string, Loaded[]>> {
  const keysByAgent = new Map<string, string[]>();
  for await (const key of store.list(CHECKPOINTS_PREFIX)) {
    const parts = parseCheckpointKey(key);
    if (parts) keysByAgent.set(parts.agent, [...(keysByAgent.get(parts.agent) ?? []), key]);
  }
  const byAgent = new Map<string, Loaded[]>();
  for (const [agent, keys] of keysByAgent) {
    const good: Loaded[] = [];
    for (const key of keys.sort()) {
      const loaded = await loadCheckpoint(store, key, { trustedKey }, problems);
      if (!loaded) continue;
      const { checkpoint } = loaded;
      if (checkpoint.agent !== agent || checkpoint.seq !== parseCheckpointKey(key)!.seq) {
        problems.push({ kind: 'checkpoint-invalid', key, message: `content says agent ${checkpoint.agent} #${checkpoint.seq}, which belongs at another key` });
        continue;
      }
      // Only consecutive checkpoints can be linked: the package holds the ones that cover its selections.
      const before = good.at(-1);
      const linked = before?.checkpoint.seq === checkpoint.seq - 1 ? before.hash : checkpoint.seq === 0 ? null : undefined;
      if (linked !== undefined && checkpoint.prev !== linked) {
        problems.push({
          kind: 'checkpoint-chain',
          key,
          message: `links to ${String(checkpoint.prev)}, but checkpoint ${checkpoint.seq - 1} before it is ${String(linked)}`,
        });
      }
      good.push(loaded);
    }
    byAgent.set(agent, good);
  }
  return byAgent;
}

/**
 * Checks the checkpoints an evidence package holds: each signature (with a trusted key), each head against
 * the record the package holds at that position, and for each selected record that the package holds every
 * record from it up to the head of its agent's oldest checkpoint covering it (their links are checked with
 * the chains), so that it is shown to continue to a signed head.
 */
export async function checkPackageCheckpoints(
  store: EvidenceStore,
  streams: ReadonlyMap<string, readonly RecordFacts[]>,
  selected: readonly SelectedRecord[],
  problems: VerifyProblem[],
  warnings: string[],
  trustedKey: KeyObject | undefined,
): Promise<CheckpointSummary> {
  const byAgent = await loadAll(store, trustedKey, problems);
  const all = [...byAgent.values()].flat();
  for (const { key, checkpoint } of all) {
    for (const [stream, head] of Object.entries(checkpoint.heads)) {
      const record = streams.get(stream)?.find((f) => f.seq === head.seq);
      if (record && record.hash !== head.hash) {
        problems.push({
          kind: 'checkpoint-head-mismatch',
          key: record.key,
          stream,
          seq: head.seq,
          message: `${key} signs hash ${head.hash} for this record; it has ${String(record.hash)}`,
        });
      }
    }
  }

  const unanchored = new Map<string, UnanchoredTail>();
  for (const { stream, facts, selection } of selected) {
    const held = new Set(streams.get(stream)?.map((f) => f.seq));
    if (facts.seq > 0 && !held.has(facts.seq - 1)) {
      problems.push({
        kind: 'package-continuity',
        key: facts.key,
        stream,
        seq: facts.seq,
        message: `record ${facts.seq - 1} of ${stream} before this selected record is not in the package, so the link to it cannot be checked`,
      });
    }
    const ofAgent = byAgent.get(agentOf(stream)) ?? [];
    const covering = ofAgent.find((l) => (l.checkpoint.heads[stream]?.seq ?? -1) >= facts.seq);
    if (selection.checkpoint !== undefined && selection.checkpoint !== covering?.key) {
      problems.push({
        kind: 'package-continuity',
        key: facts.key,
        stream,
        seq: facts.seq,
        message: `${MANIFEST_KEY} says ${selection.checkpoint} covers this selected record, but the oldest checkpoint in the package that does is ${covering?.key ?? 'none'}`,
      });
    }
    if (!covering) {
      const tail = unanchored.get(stream) ?? { stream, records: 0, afterSeq: ofAgent.at(-1)?.checkpoint.heads[stream]?.seq ?? null };
      tail.records++;
      unanchored.set(stream, tail);
      continue;
    }
    const head = covering.checkpoint.heads[stream]!.seq;
    const whole = head - facts.seq <= CONTINUITY_LIMIT;
    const needed = whole ? head : Math.min(head, facts.seq + 1);
    const missing: number[] = [];
    for (let seq = facts.seq + 1; seq <= needed; seq++) if (!held.has(seq)) missing.push(seq);
    if (missing.length > 0) {
      problems.push({
        kind: 'package-continuity',
        key: facts.key,
        stream,
        seq: facts.seq,
        message:
          `records ${seqs(missing[0]!, missing.at(-1)!)} of ${stream}, between this selected record and seq ${head} that ${covering.key} signs, ` +
          'are not in the package, so it is not shown to continue to a signed head',
      });
    } else if (!whole) {
      warnings.push(
        `${facts.key}: ${head - facts.seq} records lie between it and seq ${head} that ${covering.key} signs; the package holds only the next one, ` +
          'so continuity to the signed head is shown in the store, not in the package',
      );
    }
  }
  for (const tail of unanchored.values()) {
    warnings.push(
      `${tail.records} selected record${tail.records === 1 ? '' : 's'} of ${tail.stream} ${tail.records === 1 ? 'is' : 'are'} covered by no checkpoint in the package ` +
        '(written after the newest checkpoint of their agent, or by an agent that does not sign): nothing signed vouches for them',
    );
  }

  const count = all.length;
  if (count === 0) {
    const message = 'the package holds no checkpoints, so nothing signed vouches for its records';
    if (trustedKey) problems.push({ kind: 'checkpoint-missing', key: CHECKPOINTS_PREFIX, message });
    else warnings.push(message);
  } else if (!trustedKey) {
    warnings.push(
      'checkpoint signatures were not checked, so this report proves only that the package is internally consistent: verify with ' +
        '--trusted-key <the checkpoint public key, obtained from the vendor out of band>',
    );
  }
  return {
    count,
    lastCreatedAt: all.reduce<string | null>((newest, l) => (!newest || l.checkpoint.createdAt > newest ? l.checkpoint.createdAt : newest), null),
    signatures: count === 0 ? 'none' : trustedKey ? 'verified' : 'not-checked',
    unanchored: [...unanchored.values()],
    since: null,
  };
}
