import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** A collector that records the V8 young-generation flags of the process that runs it. */
const PROBE = `export default {
  type: 'test-v8-flags',
  version: '1.0.0',
  controls: ['CC7.2'],
  optionsSchema: { type: 'object', additionalProperties: false },
  payloadSchema: { type: 'object', additionalProperties: false, required: ['flags'], properties: { flags: { type: 'array', items: { type: 'string' } } } },
  async *collect() {
    const flags = process.execArgv.filter((a) => /semi.space/.test(a));
    yield { subject: { kind: 'test-process', id: 'agent' }, status: 'pass', summary: 'V8 flags.', data: { flags } };
  },
};
`;

/** The semi-space flags on the command line of the process that ran a snapshot started with `nodeArgs` and `env`. */
async function flagsOfSnapshot(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<string[]> {
  const dir = await tempDir();
  await writeFile(join(dir, 'probe.mjs'), PROBE);
  await writeFile(join(dir, 'agent.yaml'), 'agent: { id: probe }\nstore: { url: "file:./evidence" }\ncollectors:\n  - { id: flags, use: ./probe.mjs }\n');
  const r = await promisify(execFile)(process.execPath, [...nodeArgs, BIN, '--log-level', 'warn', 'snapshot', '--config', join(dir, 'agent.yaml'), '--json'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  const records = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { collector: { type: string }; data: { flags: string[] } });
  return records.find((rec) => rec.collector.type === 'test-v8-flags')!.data.flags;
}

describe("the CLI's V8 young generation", () => {
  it('is pinned as in the deployments when the user sets no size, and the user’s size is kept when they do', async () => {
    const dockerfile = await readFile(new URL('../deploy/Dockerfile', import.meta.url), 'utf8');
    const deployed = /NODE_OPTIONS=(\S+)/.exec(dockerfile)![1]!;
    expect(await flagsOfSnapshot({ NODE_OPTIONS: undefined })).toEqual([deployed]);
    expect(await flagsOfSnapshot({ NODE_OPTIONS: '--no-deprecation' })).toEqual([deployed]);
    // A size from NODE_OPTIONS is not on the command line, and none is added beside it.
    expect(await flagsOfSnapshot({ NODE_OPTIONS: '--max-semi-space-size=32' })).toEqual([]);
    expect(await flagsOfSnapshot({ NODE_OPTIONS: undefined }, ['--max_semi_space_size=8'])).toEqual(['--max_semi_space_size=8']);
  });
});
