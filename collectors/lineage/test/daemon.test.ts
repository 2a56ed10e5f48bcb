/**
 * The receiver in the real daemon process (the built CLI: `npm test` builds first), fed over loopback
 * the way an OpenLineage client with `url: http://agent:9464/collectors/<id>` feeds it; then a
 * snapshot of the same config folds what the daemon spooled.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { fileStoreDaemon, startDaemon, until } from '../../../test/helpers/daemon.js';
import { trainingRun } from './events.js';

const TOKEN = 'daemon-lineage-token-0123456789';

describe('the lineage receiver in the daemon (real process)', () => {
  it('takes events at /collectors/<id>/api/v1/lineage with the token from the environment, refuses bad ones, and a snapshot folds what it spooled', async () => {
    const { config, port } = await fileStoreDaemon(
      '  - id: training-lineage\n    use: lineage\n    options:\n      receiver: { enabled: true, maxBodyBytes: 65536, token: "${LINEAGE_TOKEN}" }\n      models: { deployed: [fraud-detector] }\n',
    );
    const env = { LINEAGE_TOKEN: TOKEN, LOG_LEVEL: 'warn' };
    const d = startDaemon(config, env);
    const url = `http://127.0.0.1:${port}/collectors/training-lineage/api/v1/lineage`;
    const post = (body: string, token = TOKEN) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body }).then((r) => r.status);
    try {
      const [start, complete] = trainingRun(new Date());
      expect(await until('the receiver', async () => ((await post(JSON.stringify(start))) === 201 ? true : undefined))).toBe(true);
      expect(await post(JSON.stringify(complete))).toBe(201);
      expect(await post(JSON.stringify(complete), 'wrong-token-wrong-token')).toBe(401);
      expect(await post(JSON.stringify({ ...complete, padding: 'x'.repeat(70_000) }))).toBe(413);
      expect(await post('{"eventType": "START"')).toBe(400);
      d.child.kill('SIGTERM');
      expect((await d.exited).code).toBe(0);
    } finally {
      d.child.kill('SIGKILL');
    }

    const snapshot = await runCli(['snapshot', '--config', config, '--json'], { env });
    expect(snapshot.code).toBe(0);
    const record = JSON.parse(snapshot.stdout.trim()) as { status: string; data: Record<string, unknown> };
    expect(record.status).toBe('pass');
    expect(record.data).toMatchObject({ events: { folded: 2, invalid: 0 }, deployedModels: [{ name: 'fraud-detector', lineage: true }] });
    expect((await runCli(['verify', '--config', config], { env })).code).toBe(0);
  });
});
