import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { Collector, RecordDraft } from '../../src/collector/contract.js';
import type { CollectorInstance, RunEnvironment } from '../../src/collector/runner.js';
import type { EvidenceStore } from '../../src/store/types.js';

export const silentLog = pino({ level: 'silent' });

/** A clock that starts at a fixed time and moves one second per reading. */
export function steppingClock(start = Date.parse('2026-03-01T12:00:00.000Z'), stepMs = 1000) {
  let t = start;
  return {
    now: () => {
      t += stepMs;
      return new Date(t);
    },
  };
}

export function environment(store: EvidenceStore, overrides: Partial<RunEnvironment> = {}): RunEnvironment {
  return {
    store,
    agent: { id: 'test-agent', version: '0.0.0-test', host: 'test-host', configSha256: '0'.repeat(64) },
    clock: steppingClock(),
    log: silentLog,
    configDir: process.cwd(),
    concurrency: 4,
    ...overrides,
  };
}

/** A collector built from a generator function, for runner tests. */
export function collectorOf(type: string, collect: Collector['collect']): Collector {
  return { type, version: '1.0.0', controls: ['CC7.2'], optionsSchema: { type: 'object' }, payloadSchema: { type: 'object' }, collect };
}

export function instance(id: string, collector: Collector, timeoutMs = 5000): CollectorInstance {
  return { id, collector, options: {}, controls: collector.controls, timeoutMs, drillsAllowed: false };
}

export function draft(n: number, extra: Partial<RecordDraft> = {}): RecordDraft {
  return { subject: { kind: 'thing', id: `thing-${n}` }, status: 'pass', summary: `Thing ${n} is fine.`, data: { n }, ...extra };
}

/** Writes a demo-like config folder with the four required policies; returns the config path. */
export async function policyConfig(dir: string, yamlTail = ''): Promise<string> {
  await mkdir(join(dir, 'policies'), { recursive: true });
  for (const name of ['access-control', 'data-retention', 'incident-response', 'model-governance']) {
    await writeFile(join(dir, 'policies', `${name}.md`), `# ${name}\n\nText.\n`);
  }
  const file = join(dir, 'evidence-agent.yaml');
  await writeFile(
    file,
    `agent: { id: t1 }\nstore: { url: file:./evidence }\ncollectors:\n  - id: policies\n    use: policy-documents\n    options: { paths: [policies/*.md] }\n${yamlTail}`,
  );
  return file;
}
