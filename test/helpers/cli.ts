import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/evidence-agent.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the process if it still runs after this many ms, so that a hang fails the test instead of outliving it. */
  killAfterMs?: number;
  /** A command and its arguments that runs node in turn (e.g. `setpriv …`); none when empty. */
  wrapper?: string[];
}

/** Runs the built CLI as a real process (`npm test` builds it first). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const [command, ...argv] = [...(options.wrapper ?? []), process.execPath, BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.killAfterMs === undefined ? {} : { timeout: options.killAfterMs, killSignal: 'SIGKILL' as const }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
