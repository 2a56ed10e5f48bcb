import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNotice } from '../src/collector/runner.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';
import { records } from './helpers/daemon.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

// A third-party collector (plain ESM) that fails, so the agent writes its own `error` notice in its stream.
const BROKEN = `export default {
  type: 'broken', version: '1.0.0', controls: ['CC7.2'],
  optionsSchema: { type: 'object' }, payloadSchema: { type: 'object' },
  async *collect() { throw new Error('upstream said no'); },
};
`;

/** A config folder with one policy document, a failing collector beside it, and these collector entries. */
async function configWith(entries: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'access-control.md'), '# Access control\n');
  await writeFile(join(dir, 'broken.mjs'), BROKEN);
  const file = join(dir, 'agent.yaml');
  await writeFile(file, `agent: { id: c1 }\nstore: { url: file:./evidence }\ncollectors:\n${entries}`);
  return { dir, file };
}

const POLICIES = 'use: policy-documents, options: { paths: ["*.md"], required: [access-control] }';

describe('records state the cadence they were collected under (real CLI snapshot)', () => {
  it('states a schedule with its time zone (UTC by default), an every, nothing for an entry with neither, and the same on the agent notices', async () => {
    const { dir, file } = await configWith(
      [
        `  - { id: paris, ${POLICIES}, schedule: "0 15 2 * * *", timezone: Europe/Paris }`,
        `  - { id: utc, ${POLICIES}, schedule: "*/5 * * * *" }`,
        `  - { id: weekly, ${POLICIES}, cadence: weekly }`,
        `  - { id: unstated, ${POLICIES} }`,
        '  - { id: broken, use: ./broken.mjs, cadence: monthly }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['snapshot', '--config', file], { killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);

    const cadences = async (stream: string) => (await records(dir, `c1/${stream}`)).map((rec) => (rec as { cadence?: unknown }).cadence);
    expect(await cadences('paris')).toEqual([{ schedule: '0 15 2 * * *', timezone: 'Europe/Paris' }]);
    expect(await cadences('utc')).toEqual([{ schedule: '*/5 * * * *', timezone: 'UTC' }]);
    expect(await cadences('weekly')).toEqual([{ every: 'weekly' }]);
    expect(await cadences('unstated')).toEqual([undefined]);
    const [notice] = await records(dir, 'c1/broken');
    expect(notice).toMatchObject({ status: 'error', subject: { kind: 'collector', id: 'broken' }, cadence: { every: 'monthly' } });

    // The member is part of the hashed record and of the record schema.
    const v = await runCli(['verify', '--store', `file:${join(dir, 'evidence')}`, '--json']);
    expect(v.code, v.stdout).toBe(0);
  });

  it('refuses an entry with both schedule and cadence as a config error naming the file, line and key', async () => {
    const { file } = await configWith(
      `  - id: policies\n    ${POLICIES.replace(', options', '\n    options')}\n    schedule: "0 3 * * *"\n    cadence: daily\n`,
    );
    const r = await runCli(['snapshot', '--config', file], { killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/agent\.yaml:8: collectors\[0\]\.cadence: set either schedule or cadence, not both/);
  });

  it('refuses, in a snapshot too, a schedule or time zone its records would state wrongly', async () => {
    const { file } = await configWith(`  - { id: policies, ${POLICIES}, schedule: "0 3 * * *", timezone: Mars/Olympus }\n`);
    const r = await runCli(['snapshot', '--config', file], { killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/agent\.yaml:4: collectors\[0\]\.timezone: "Mars\/Olympus" is not a time zone/);
  });

  it('refuses a cadence that is not one of the periods', async () => {
    const { file } = await configWith(`  - { id: policies, ${POLICIES}, cadence: fortnightly }\n`);
    const r = await runCli(['snapshot', '--config', file], { killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/agent\.yaml:4: collectors\[0\]\.cadence: .*hourly, daily, weekly, monthly, quarterly, annually/);
  });
});

describe('notices the daemon writes about a stream (skipped and missed runs)', () => {
  it('state the cadence of the collector instance', async () => {
    const store = new FileStore(await tempDir());
    const scheduled = {
      ...instance(
        's',
        collectorOf('s', async function* () {}),
      ),
      cadence: { schedule: '0 3 * * *', timezone: 'Asia/Tokyo' },
    };
    const notice = await writeNotice(
      scheduled,
      draft(0, {
        subject: { kind: 'collector', id: 's' },
        status: 'info',
        data: { notice: 'run-skipped', scheduledAt: '2026-03-01T03:00:00.000Z', schedule: '0 3 * * *' },
      }),
      environment(store),
    );
    expect(notice.cadence).toEqual({ schedule: '0 3 * * *', timezone: 'Asia/Tokyo' });
    expect((await verifyStore(store)).problems).toEqual([]);
  });
});
