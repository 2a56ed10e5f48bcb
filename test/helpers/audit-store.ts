import { writeCheckpoint } from '../../src/checkpoint/write.js';
import type { Collector } from '../../src/collector/contract.js';
import { runCollectors } from '../../src/collector/runner.js';
import { generateP256, parsePrivateKey } from '../../src/signing/keys.js';
import { keyBundleSigner } from '../../src/signing/sign.js';
import type { EvidenceStore } from '../../src/store/types.js';
import { environment, instance, steppingClock } from './fixtures.js';

export const AUDIT_CONTROL = 'CC8.1';

/**
 * Commits the way commit-trail reports them: inline in `data.commits` on even runs, as the lines of a
 * commits.jsonl attachment on odd ones, so that both ways of holding items are read.
 */
function commitsCollector(): Collector {
  let run = 0;
  return {
    type: 'test-commits',
    version: '1.0.0',
    controls: [AUDIT_CONTROL],
    optionsSchema: { type: 'object' },
    payloadSchema: {
      type: 'object',
      'x-evidence-items': { path: '/commits', id: '/id', attachment: 'commits.jsonl' },
      properties: { commits: { type: 'array' }, run: { type: 'integer' } },
    },
    async *collect(ctx) {
      const n = run++;
      const commits = [0, 1, 2].map((i) => ({ id: `c${n}-${i}`, author: 'bot' }));
      if (n % 2 === 0) {
        yield { subject: { kind: 'repository', id: 'app' }, status: 'pass', summary: `Run ${n}.`, data: { run: n, commits } };
      } else {
        const body = `${commits.map((c) => JSON.stringify(c)).join('\n')}\n`;
        const attachment = await ctx.attach({ name: 'commits.jsonl', mediaType: 'application/jsonl', body: Buffer.from(body) });
        yield { subject: { kind: 'repository', id: 'app' }, status: 'pass', summary: `Run ${n}.`, data: { run: n }, attachments: [attachment] };
      }
    },
  };
}

/** A daily check that names the control too, and one that names another control. */
function checkCollector(type: string, controls: string[]): Collector {
  let run = 0;
  return {
    type,
    version: '1.0.0',
    controls,
    optionsSchema: { type: 'object' },
    payloadSchema: { type: 'object' },
    async *collect() {
      yield { subject: { kind: 'check', id: type }, status: 'pass', summary: `Check ${run}.`, data: { run: run++ } };
    },
  };
}

/**
 * Writes `runs` runs of three collectors (streams test-agent/commits, test-agent/check, test-agent/other), one run
 * every 8 hours from 2026-03-01, each run followed by a checkpoint signed with a fresh key.
 */
export async function writeAuditStore(store: EvidenceStore, runs: number) {
  const keys = generateP256();
  const signer = keyBundleSigner(parsePrivateKey(keys.privatePem, 'test key'));
  const clock = steppingClock(Date.parse('2026-03-01T00:00:00.000Z'), 8 * 3600_000);
  const instances = [
    instance('commits', commitsCollector()),
    instance('check', checkCollector('test-check', [AUDIT_CONTROL])),
    instance('other', checkCollector('test-other', ['CC1.1'])),
  ];
  for (let r = 0; r < runs; r++) {
    const at = clock.now();
    const outcomes = await runCollectors(instances, environment(store, { clock: { now: () => at }, concurrency: 1 }));
    await writeCheckpoint(store, 'test-agent', signer, at, new Map(outcomes.map((o) => [o.stream, o.head!])));
  }
  return { publicPem: keys.publicPem, privatePem: keys.privatePem };
}
