import { describe, expect, it } from 'vitest';
import { CollectorTestError, runCollectorOnce } from '../src/testing.js';
import { collectorOf, draft } from './helpers/fixtures.js';

describe('evidence-agent/testing: runCollectorOnce', () => {
  it('returns an empty list for a run that found nothing to record', async () => {
    const quiet = collectorOf('quiet', async function* () {});
    const { records, report } = await runCollectorOnce(quiet, {});
    expect(records).toEqual([]);
    expect(report.problems.map((p) => p.kind)).toEqual(['empty-store']);
  });

  it('continues the chain in the store it is given, and the collector sees its previous record', async () => {
    const seen: (string | null)[] = [];
    const counter = collectorOf('counter', async function* (ctx) {
      seen.push(ctx.previous?.id ?? null);
      yield draft(seen.length);
    });
    const first = await runCollectorOnce(counter, {});
    const second = await runCollectorOnce(counter, {}, { store: first.store });
    expect(second.records[0]!.seq).toBe(1);
    expect(seen).toEqual([null, first.records[0]!.id]);
  });

  it('refuses bad options and a bad declaration, saying what is wrong', async () => {
    const strict = { ...collectorOf('strict', async function* () {}), optionsSchema: { type: 'object', required: ['url'] } };
    await expect(runCollectorOnce(strict, {})).rejects.toThrow(CollectorTestError);
    await expect(runCollectorOnce(strict, {})).rejects.toThrow(/invalid options: options: must have required property 'url'/);
    await expect(runCollectorOnce({ ...strict, version: '' }, { url: 'x' })).rejects.toThrow(/`version` must be a non-empty string/);
  });
});
