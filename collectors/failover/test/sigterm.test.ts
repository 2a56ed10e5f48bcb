import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../../../test/helpers/cli.js';
import { records } from '../../../test/helpers/daemon.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { options, type Stack, startStack } from './servers.js';

describe('failover: a snapshot stopped with SIGTERM during a drill (real process)', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('restores the primary, records the interrupted run, and exits', async () => {
    stack = await startStack();
    // The standby is down too, so the drill would wait for a recovery that never comes.
    stack.state.standbyUp = false;
    const dir = await tempDir();
    const config = join(dir, 'agent.yaml');
    const collector = { id: 'drill', use: 'failover', options: options(stack, { maxSeconds: 60 }) };
    await writeFile(config, `agent: { id: t1 }\nstore: { url: file:./evidence }\ncollectors:\n  - ${JSON.stringify(collector)}\n`);
    const child = spawn(process.execPath, [BIN, '--log-level', 'warn', 'snapshot', '--config', config, '--allow-drills'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    await stack.triggered;
    child.kill('SIGTERM');
    await stack.restored;
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stack.calls).toEqual(['POST /fail/primary', 'POST /restore/primary']);
    const [record] = await records(dir, 't1/drill');
    expect(record).toMatchObject({ status: 'error' });
    expect(JSON.stringify(record!.data)).toMatch(/the snapshot was stopped \(SIGTERM\)/);
  });
});
