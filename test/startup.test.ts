import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { policyConfig } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

// Records, on exit, every module URL that matches a heavy dependency, through Node's synchronous module hooks.
const RECORDER = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) {
  const r = next(specifier, context);
  const m = /node_modules\\/(@aws-sdk|@google-cloud|@sigstore|sigstore)\\//.exec(r.url);
  if (m) seen.add(m[1]);
  return r;
} });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...seen]) + '\\n'));
`;

function heavyModulesLoaded(args: string[], cwd?: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(RECORDER)}`, BIN, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const m = /LOADED (\[.*\])/.exec(err);
      if (m) resolve(JSON.parse(m[1]!) as string[]);
      else reject(new Error(`no module report: ${err}`));
    });
  });
}

describe('start-up cost', () => {
  it('loads no cloud SDK and no sigstore library for --help', async () => {
    expect(await heavyModulesLoaded(['--help'])).toEqual([]);
  });

  it('loads none for a snapshot and a verify on a file store without signing', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    expect(await heavyModulesLoaded(['snapshot', '--config', config])).toEqual([]);
    expect(await heavyModulesLoaded(['verify', '--config', config])).toEqual([]);
  });

  it('does load the S3 SDK when the store is in S3 (so the check above can fail)', async () => {
    expect(await heavyModulesLoaded(['verify', '--store', 's3://no-such-bucket-ea/x'])).toContain('@aws-sdk');
  });
});
