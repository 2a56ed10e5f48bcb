import { spawn } from 'node:child_process';
import { Identities } from '../parse/identities.js';
import { LOG_FORMAT, type LogCommit, LogParser } from '../parse/log-parser.js';
import { gitEnvironment } from './git-env.js';

/** Commits reachable from `to` and not from `exclude` (the end of the previous range), or all of them. */
export interface LogRange {
  to: string;
  exclude: string | null;
}

/**
 * `date`: git's default order, newest commit time first. It streams from the
 * first commit, but a commit whose time is later than a child's (a skewed
 * clock) can come before that child. `topo`: children always before parents,
 * at the price of git walking the whole range before printing anything when
 * the repository has no commit-graph.
 */
export type LogOrder = 'date' | 'topo';

/** The `git log` the collector reads history with (the benchmark times the same command raw). */
export function logArgs(range: LogRange, order: LogOrder = 'date'): string[] {
  return [
    '-c',
    'log.showSignature=false',
    'log',
    ...(order === 'topo' ? ['--topo-order'] : []),
    '-z',
    '--encoding=UTF-8',
    `--format=${LOG_FORMAT}`,
    range.to,
    ...(range.exclude ? [`^${range.exclude}`] : []),
    '--',
  ];
}

/** Output read ahead of the parser, so git keeps writing while a batch is judged; bounded, so memory stays flat. */
const READ_AHEAD = 1024 * 1024;
/**
 * Output gathered before a batch is parsed. git writes a few KiB at a time;
 * judging each write on its own costs more in per-batch overhead than the
 * judging itself. Less than the 64 KiB a pipe holds, so git keeps writing
 * while a batch is judged.
 */
const BATCH_BYTES = 48 * 1024;

/**
 * Streams the commits of `range` from one `git log`, without holding the
 * history in memory: each batch holds at least BATCH_BYTES of output (all
 * that was read ahead while the last one was judged, up to READ_AHEAD), so
 * the consumer awaits once per batch rather than once per commit.
 */
export async function* readLog(
  dir: string,
  range: LogRange,
  order: LogOrder,
  signal: AbortSignal,
  bodyMarkers: readonly string[] = [],
  identities = new Identities(),
): AsyncGenerator<LogCommit[]> {
  const child = spawn('git', logArgs(range, order), { cwd: dir, env: gitEnvironment(), signal, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  // Reported by the await below, or dropped when the consumer stops early.
  exited.catch(() => undefined);

  // The pipe buffers little: reading into our own queue whenever the event loop turns keeps git from stalling on it.
  const chunks: Buffer[] = [];
  let buffered = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  const stdout = child.stdout;
  stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    if (buffered > READ_AHEAD) stdout.pause();
    wake?.();
  });
  const end = () => {
    ended = true;
    wake?.();
  };
  stdout.once('close', end);
  child.once('error', end);

  const parser = new LogParser(bodyMarkers, identities);
  try {
    for (;;) {
      if (!ended && buffered < BATCH_BYTES) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      if (chunks.length === 0) break;
      const batch: LogCommit[] = [];
      for (const chunk of chunks.splice(0)) parser.push(chunk, batch);
      buffered = 0;
      if (stdout.isPaused()) stdout.resume();
      if (batch.length > 0) yield batch;
    }
    const code = await exited;
    if (code !== 0) throw new Error(`git log exited with ${code}: ${stderr.trim().split('\n')[0] ?? ''}`);
    parser.end();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}
