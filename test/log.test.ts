import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('logs', () => {
  it('redact credential-like keys at any of the usual depths, and keep the rest', async () => {
    const script = `
      const { createLogger } = await import(${JSON.stringify(new URL('../dist/src/log.js', import.meta.url).href)});
      createLogger('info').info({ password: 'p1', store: { secretAccessKey: 's2', region: 'eu' }, req: { headers: { authorization: 'Bearer t3' } }, github: { token: 't4' } }, 'hello');
    `;
    const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script]);
    const line = JSON.parse(stderr.trim()) as Record<string, unknown>;
    expect(stderr).not.toMatch(/p1|s2|t3|t4/);
    expect(line).toMatchObject({
      msg: 'hello',
      password: '[redacted]',
      store: { region: 'eu', secretAccessKey: '[redacted]' },
      github: { token: '[redacted]' },
    });
  });
});
