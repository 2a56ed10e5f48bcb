// Editors, pagers and password prompts have no place in unattended read-only runs (and simple-git refuses them when passed explicitly).
const DROPPED = new Set(['editor', 'visual', 'pager', 'prefix', 'ssh_askpass']);

/**
 * The environment for every git child process: the agent's own, without any
 * GIT_* variable (a GIT_DIR inherited from a hook would point git at another
 * repository), never prompting for credentials, ignoring `refs/replace`,
 * which could otherwise swap commits in the history we report, and writing
 * output in full buffers: on a pipe git would otherwise flush every commit,
 * a system call and a wake-up of the reader for each one.
 */
export function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (!lower.startsWith('git_') && !DROPPED.has(lower)) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_NO_REPLACE_OBJECTS = '1';
  env.GIT_FLUSH = '0';
  return env;
}

/** The GIT_* keys `gitEnvironment()` sets, which simple-git must be told to let through. */
export const GIT_KEYS: readonly string[] = ['GIT_TERMINAL_PROMPT', 'GIT_NO_REPLACE_OBJECTS', 'GIT_FLUSH'];
