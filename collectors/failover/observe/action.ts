import { execFile } from 'node:child_process';
import type { DrillAction } from '../schema.js';
import { httpCall } from './probe.js';

export interface ActionOutcome {
  ok: boolean;
  detail: string;
}

/** Runs a trigger or restore: an HTTP call (2xx is success) or a program without a shell (exit 0 is success). Never throws. */
export async function runAction(action: DrillAction, opts: { timeoutMs: number; ca?: string | undefined; signal: AbortSignal }): Promise<ActionOutcome> {
  if ('http' in action) {
    const { method = 'POST', url } = action.http;
    try {
      const answer = await httpCall(method, url, opts);
      const ok = answer.status >= 200 && answer.status < 300;
      return { ok, detail: `${method} ${url} answered ${answer.status}` };
    } catch (e) {
      return { ok: false, detail: `${method} ${url} failed: ${(e as Error).message}` };
    }
  }
  const [file, ...args] = action.command;
  return new Promise((resolve) => {
    execFile(file!, args, { timeout: opts.timeoutMs, signal: opts.signal, shell: false }, (error) => {
      if (!error) resolve({ ok: true, detail: `${file} exited 0` });
      else if (typeof error.code === 'number') resolve({ ok: false, detail: `${file} exited ${error.code}` });
      // The message repeats the command's stderr, which may hold anything: the record keeps only the cause.
      else
        resolve({
          ok: false,
          detail: `${file} failed: ${error.killed ? `killed after ${opts.timeoutMs} ms` : (error.code ?? error.signal ?? 'unknown error')}`,
        });
    });
  });
}
