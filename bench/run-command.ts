import { spawn } from 'node:child_process';

/** Runs a command to its end and times it; stderr is kept for the error message only (openssl speed -multi chatters there). */
export function runCommand(cmd: string, args: string[], stdout: 'pipe' | 'ignore' = 'pipe'): Promise<{ out: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      err = (err + s).slice(-2_000);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ out, seconds: (performance.now() - started) / 1000 }) : reject(new Error(`${cmd} exited with ${code}: ${err}`)),
    );
  });
}
