import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { type AttributionNote, parseAgentTrace, parseGitAiNote } from '../parse/attribution.js';
import { gitEnvironment } from './git-env.js';

const run = promisify(execFile);

/** Where each format keeps its records: git-ai's standard ref, and the notes ref Agent Trace implementations attach records to. */
export const ATTRIBUTION_REFS = { 'git-ai': 'refs/notes/ai', 'agent-trace': 'refs/notes/agent-trace' } as const;

const PARSERS = { 'git-ai': parseGitAiNote, 'agent-trace': parseAgentTrace } as const;

/**
 * The attribution records a repository carries, by annotated commit. Most
 * repositories have neither ref, which costs one `for-each-ref`; otherwise
 * the notes are listed and their contents read with one `cat-file --batch`.
 */
export async function readAttribution(dir: string, signal: AbortSignal): Promise<Map<string, AttributionNote[]>> {
  const out = new Map<string, AttributionNote[]>();
  const git = (args: string[]) => run('git', args, { cwd: dir, env: gitEnvironment(), signal, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const refs = (await git(['for-each-ref', '--format=%(refname)', ...Object.values(ATTRIBUTION_REFS)])).stdout.split('\n').filter(Boolean);
  for (const [format, ref] of Object.entries(ATTRIBUTION_REFS) as [keyof typeof ATTRIBUTION_REFS, string][]) {
    if (!refs.includes(ref)) continue;
    const notes = (await git(['notes', `--ref=${ref}`, 'list'])).stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]);
    const contents = await readBlobs(
      dir,
      notes.map(([blob]) => blob),
      signal,
    );
    for (const [blob, commit] of notes) {
      const note = PARSERS[format](contents.get(blob) ?? '');
      if (!note) continue;
      const list = out.get(commit) ?? [];
      list.push(note);
      out.set(commit, list);
    }
  }
  return out;
}

/** The contents of `ids` from one `git cat-file --batch`. */
async function readBlobs(dir: string, ids: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const child = spawn('git', ['cat-file', '--batch'], { cwd: dir, env: gitEnvironment(), signal, stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  const code = await closed;
  if (code !== 0) throw new Error(`git cat-file --batch exited with ${code} while reading attribution notes`);
  const buf = Buffer.concat(chunks);
  const out = new Map<string, string>();
  for (let at = 0; at < buf.length; ) {
    const nl = buf.indexOf(10, at);
    const [id = '', type, size] = buf.toString('utf8', at, nl).split(' ');
    at = nl + 1;
    if (type === undefined || size === undefined) continue;
    out.set(id, buf.toString('utf8', at, at + Number(size)));
    at += Number(size) + 1;
  }
  return out;
}
