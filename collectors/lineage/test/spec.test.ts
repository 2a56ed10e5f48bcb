/**
 * What the collector accepts and refuses, against the official OpenLineage
 * 2-0-2 JSON Schema, read where ../shared keeps it (never copied into the
 * project). Skipped, saying so, where ../shared is absent, as in a fresh clone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../../../src/json-schema.js';
import { checkEvent, parseEvents } from '../judge/event.js';
import { FRAUD_MODEL, LABELS, runEvent, TRANSACTIONS } from './events.js';

const SPEC = fileURLToPath(new URL('../../../../shared/openlineage/OpenLineage.json', import.meta.url));
const present = existsSync(SPEC);
if (!present) console.warn(`skipping the OpenLineage spec agreement tests: ${SPEC} is absent (../shared is not part of a fresh clone)`);

const RUN = '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d';
const good = runEvent({
  type: 'COMPLETE',
  time: '2026-11-01T10:00:00Z',
  runId: RUN,
  job: ['ml-training', 'train'],
  inputs: [TRANSACTIONS, LABELS],
  outputs: [FRAUD_MODEL],
});
const change = (edit: (e: Record<string, unknown>) => void) => {
  const e = structuredClone(good);
  edit(e);
  return e;
};

describe.skipIf(!present)('accepting and refusing as the OpenLineage 2-0-2 JSON Schema does', () => {
  const spec = present ? (JSON.parse(readFileSync(SPEC, 'utf8')) as { $id: string }) : { $id: '' };
  const ajv = createAjv({ strict: false });
  if (present) ajv.addSchema(spec);
  const specRunEvent = (value: unknown) => ajv.validate(`${spec.$id}#/$defs/RunEvent`, value);

  it.each([
    ['a run event with inputs, outputs and facets', good],
    ['a START with no datasets', runEvent({ type: 'START', time: '2026-11-01T10:00:00.123456+02:00', runId: RUN, job: ['ns', 'j'] })],
    ['a runId with a urn:uuid: prefix', change((e) => (e.run = { runId: `urn:uuid:${RUN}` }))],
    ['a date-time with a space for T', change((e) => (e.eventTime = '2026-11-01 10:00:00Z'))],
  ])('both accept %s', (_what, event) => {
    expect(specRunEvent(event)).toBe(true);
    expect(checkEvent(event).ok).toBe(true);
  });

  it.each([
    ['missing runId', change((e) => (e.run = { facets: {} }))],
    ['a non-UUID runId', change((e) => (e.run = { runId: 'run-2026-11-01' }))],
    ['an unknown event type', change((e) => (e.eventType = 'SUCCEEDED'))],
    ['no eventTime', change((e) => delete e.eventTime)],
    ['an eventTime without a time zone', change((e) => (e.eventTime = '2026-11-01T10:00:00'))],
    ['a producer that is not a URI', change((e) => (e.producer = 'spark job 42'))],
    ['no schemaURL', change((e) => delete e.schemaURL)],
    ['no job namespace', change((e) => (e.job = { name: 'train' }))],
    ['an output dataset with no name', change((e) => (e.outputs = [{ namespace: 's3://acme-models' }]))],
    ['inputs that are not a list', change((e) => (e.inputs = { namespace: 'a', name: 'b' }))],
  ])('both refuse an event with %s', (_what, event) => {
    expect(specRunEvent(event)).toBe(false);
    expect(checkEvent(event).ok).toBe(false);
  });

  it('both refuse truncated JSON (the schema cannot even be applied)', () => {
    const text = JSON.stringify(good).slice(0, 120);
    expect(() => JSON.parse(text)).toThrow();
    expect(parseEvents(text)).toEqual([{ ok: false, reason: expect.stringMatching(/^not valid JSON/) }]);
  });

  // Where the collector is stricter or looser than the schema, on purpose (README, "Which events count").
  it('refuses what the spec allows but a run state cannot be told from: no eventType, an empty job name', () => {
    for (const event of [change((e) => delete e.eventType), change((e) => (e.job = { namespace: 'ns', name: '' }))]) {
      expect(specRunEvent(event)).toBe(true);
      expect(checkEvent(event).ok).toBe(false);
    }
  });

  it('refuses job and dataset events, which are OpenLineage but not run events', () => {
    const jobEvent = change((e) => {
      delete e.run;
      delete e.eventType;
    });
    expect(ajv.validate(spec.$id, jobEvent)).toBe(true);
    expect(checkEvent(jobEvent)).toEqual({ ok: false, reason: 'a job or dataset event (no run): only run events are folded' });
  });

  it('does not check facets beyond the two it reads, so a facet without _producer is folded', () => {
    const event = change((e) => (e.outputs = [{ namespace: 's3://m', name: 'model', facets: { datasetType: { datasetType: 'MODEL' } } }]));
    expect(specRunEvent(event)).toBe(false);
    expect(checkEvent(event).ok).toBe(true);
  });
});
