import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/**
 * `evidence-agent snapshot --config <file>` as a real process. Killed if it is still running after 20 s, so
 * that a regression (a store under /proc spun at 100% CPU for ever) fails the test instead of outliving it.
 */
function snapshot(file: string): Promise<CliResult> {
  return runCli(['snapshot', '--config', file], { killAfterMs: 20_000 });
}

/** A config whose policies collector has a document to read, with `head` as its first lines. */
async function config(head: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const file = join(dir, 'agent.yaml');
  await writeFile(join(dir, 'access-control.md'), '# Access control\n');
  await writeFile(file, `${head}collectors:\n  - { id: policies, use: policy-documents, options: { paths: ["*.md"], required: [access-control] } }\n`);
  return { dir, file };
}

/** A config error as the CLI reports it: exit 2, one line per problem, no log line and no stack trace. */
function expectConfigError(r: { code: number | null; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/"level":|\n\s+at /);
}

describe('config files and store paths the agent refuses (real CLI)', () => {
  it('refuses a YAML alias bomb as a config error naming the file and line', async () => {
    // Each level repeats the one before nine times: 9^8 strings, from a file of a few hundred bytes.
    const levels = ['lol0: &l0 "lol"'];
    for (let i = 1; i <= 8; i++)
      levels.push(
        `lol${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    const { file } = await config(`agent: { id: t1 }\nx-bomb:\n${levels.map((l) => `  ${l}\n`).join('')}`);
    const r = await snapshot(file);
    // Line 6 is the first whose aliases (*l2, 81 strings each) expand beyond the limit.
    expectConfigError(r, /agent\.yaml:6: YAML aliases expand beyond 100 nodes here, which only an alias bomb needs; write the repeated values out/);
  });

  it('refuses a file:// store URL that names another host, naming store.url', async () => {
    const { file } = await config('store: { url: "file://nas.example.com/evidence" }\n');
    const r = await snapshot(file);
    expectConfigError(r, /agent\.yaml:1: store\.url: file:\/\/nas\.example\.com\/evidence names the host nas\.example\.com/);
  });

  it('takes file:relative, file:/abs, file:///abs and file://localhost/abs', async () => {
    for (const url of ['file:./evidence', 'file:{dir}/evidence', 'file://{dir}/evidence', 'file://localhost{dir}/evidence']) {
      const { dir, file } = await config('');
      await writeFile(file, `store: { url: "${url.replace('{dir}', dir)}" }\n${await readFile(file, 'utf8')}`);
      const r = await snapshot(file);
      expect(r.code, `${url}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`1 records written to file:${join(dir, 'evidence')}`);
    }
  });

  it('refuses a store under /proc, /sys or /dev, saying why, instead of spinning', async () => {
    for (const folder of ['/proc/evidence', '/sys/evidence', '/dev/evidence']) {
      const { file } = await config(`store: { url: "file:${folder}" }\n`);
      const r = await snapshot(file);
      expectConfigError(r, new RegExp(`agent\\.yaml:1: store\\.url: file:${folder} is under ${folder.split('/', 2).join('/')}, .*cannot hold a store`));
    }
  });

  it('refuses a store reached through a symbolic link into /proc', async () => {
    const { dir, file } = await config('store: { url: "file:./proc-link/evidence" }\n');
    await symlink('/proc/self', join(dir, 'proc-link'));
    const r = await snapshot(file);
    expectConfigError(r, /store\.url: file:\.\/proc-link\/evidence is under \/proc, .*cannot hold a store/);
  });
});
