import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../servers/moto.js';
import { BIN } from './cli.js';
import { tempDir } from './tmp.js';

export interface RunningDaemon {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `evidence-agent daemon` as a real process. */
export function startDaemon(config: string, env: NodeJS.ProcessEnv = {}): RunningDaemon {
  const child = spawn(process.execPath, [BIN, 'daemon', '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, exited };
}

/** Polls `probe` until it gives a value. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface StoredRecord {
  seq: number;
  status: string;
  data: Record<string, unknown>;
}

/** The records of a stream in a file store at `<dir>/evidence`, in chain order. */
export async function records(dir: string, stream: string): Promise<StoredRecord[]> {
  const root = join(dir, 'evidence/records', stream);
  const days = await readdir(root).catch(() => [] as string[]);
  const out: StoredRecord[] = [];
  for (const day of days) for (const f of await readdir(join(root, day))) out.push(JSON.parse(await readFile(join(root, day, f), 'utf8')) as StoredRecord);
  return out.sort((a, b) => a.seq - b.seq);
}

/** A config for agent `d1` with a file store at `<dir>/evidence`, a free port for the server, and these collector lines. */
export async function fileStoreDaemon(collectors: string): Promise<{ dir: string; config: string; port: number }> {
  const dir = await tempDir();
  const port = await freePort();
  const config = join(dir, 'agent.yaml');
  await writeFile(config, `agent: { id: d1 }\nstore: { url: file:./evidence }\nserver: { listen: "127.0.0.1:${port}" }\ncollectors:\n${collectors}`);
  return { dir, config, port };
}
