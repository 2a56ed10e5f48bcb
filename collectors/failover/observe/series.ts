import { setTimeout as sleep } from 'node:timers/promises';
import type { Expectation } from '../schema.js';
import { type HttpOptions, type ProbeSample, probe } from './probe.js';

export type ProbeContext = HttpOptions & { origin: number };

/** `count` probes of `url`, `intervalMs` apart. */
export async function probeSeries(
  url: string,
  expect: Expectation,
  count: number,
  intervalMs: number,
  ctx: ProbeContext & { target: ProbeSample['target']; phase: ProbeSample['phase'] },
): Promise<ProbeSample[]> {
  const samples: ProbeSample[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && intervalMs > 0) await sleep(intervalMs, undefined, { signal: ctx.signal });
    samples.push(await probe(url, expect, ctx));
  }
  return samples;
}

/** Probes `url` every `intervalMs` until `done` holds for a sample or `maxMs` pass; returns every sample. */
export async function probeUntil(
  url: string,
  expect: Expectation,
  done: (s: ProbeSample) => boolean,
  limits: { intervalMs: number; maxMs: number },
  ctx: ProbeContext & { target: ProbeSample['target']; phase: ProbeSample['phase'] },
): Promise<{ samples: ProbeSample[]; reached: ProbeSample | null }> {
  const samples: ProbeSample[] = [];
  const deadline = performance.now() + limits.maxMs;
  while (performance.now() < deadline) {
    const s = await probe(url, expect, ctx);
    samples.push(s);
    if (done(s)) return { samples, reached: s };
    await sleep(limits.intervalMs, undefined, { signal: ctx.signal });
  }
  return { samples, reached: null };
}
