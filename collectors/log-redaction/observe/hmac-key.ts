import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const HMAC_KEY_ENV = 'LOG_REDACTION_HMAC_KEY';
/** HMAC-SHA-256 keys shorter than its block's half give less than its strength; 32 bytes is what `openssl rand 32` makes. */
export const MIN_KEY_BYTES = 32;
const STATE_FILE = 'hmac.key';

export class HmacKeyError extends Error {
  override name = 'HmacKeyError';
}

export type KeyOrigin = 'environment' | 'key-file' | 'generated' | 'state';

const HOW = `make one with: openssl rand -hex ${MIN_KEY_BYTES}`;

/** Hex or base64 text (surrounding whitespace ignored), else the bytes as they are. Never echoes the key. */
function decodeKey(raw: Buffer, where: string): Buffer {
  const text = raw.toString('latin1').trim();
  let key: Buffer;
  if (/^(?:[0-9a-f]{2})+$/i.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  else key = raw;
  if (key.length < MIN_KEY_BYTES)
    throw new HmacKeyError(
      `${where} holds a ${key.length}-byte key; the log-redaction HMAC key must be at least ${MIN_KEY_BYTES} bytes (hex or base64): ${HOW}`,
    );
  return key;
}

async function readKeyFile(file: string, where: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new HmacKeyError(
      code === 'ENOENT'
        ? `${where} does not exist: create it (${HOW} > ${file}) or fix the path`
        : `cannot read ${where}: ${code}; give the agent read access to it`,
    );
  }
  return decodeKey(raw, where);
}

/**
 * The per-agent key that findings' HMACs are made with: `LOG_REDACTION_HMAC_KEY` (hex or base64), else
 * the key file, else the one kept in `<stateDir>/hmac.key`, generated (32 random bytes, mode 0600 in a
 * 0700 folder) on the first run and reused after, so a value seen again in a later run has the same hash.
 */
export async function loadHmacKey(opts: { env: NodeJS.ProcessEnv; keyFile?: string; stateDir: string }): Promise<{ key: Buffer; origin: KeyOrigin }> {
  const fromEnv = opts.env[HMAC_KEY_ENV];
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '')
      throw new HmacKeyError(`${HMAC_KEY_ENV} is set but empty: set it to a key of at least ${MIN_KEY_BYTES} bytes (${HOW}) or unset it`);
    return { key: decodeKey(Buffer.from(fromEnv, 'latin1'), `the environment variable ${HMAC_KEY_ENV}`), origin: 'environment' };
  }
  if (opts.keyFile !== undefined) return { key: await readKeyFile(opts.keyFile, `the key file ${opts.keyFile}`), origin: 'key-file' };

  const file = join(opts.stateDir, STATE_FILE);
  const kept = await keptKey(file);
  if (kept) return { key: kept, origin: 'state' };
  return generate(opts.stateDir, file);
}

async function keptKey(file: string): Promise<Buffer | null> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw new HmacKeyError(`cannot read the kept key ${file}: ${err.code ?? err.message}; give the agent access to its state folder`);
  });
  if (info === null) return null;
  // Someone widened it: anyone who can read it can test guesses against the recorded hashes.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0)
    throw new HmacKeyError(`the kept key ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}): run chmod 600 ${file}`);
  return readKeyFile(file, `the kept key ${file}`);
}

async function generate(stateDir: string, file: string): Promise<{ key: Buffer; origin: KeyOrigin }> {
  try {
    const created = await mkdir(stateDir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask; the folder we made must be ours alone whatever the umask.
    if (created !== undefined) await chmod(stateDir, 0o700);
    const key = randomBytes(MIN_KEY_BYTES);
    // Written whole to a temporary name, then linked into place: a second agent starting at the same
    // moment either wins the link or reads the complete file the first one linked.
    const temp = join(stateDir, `.${STATE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { key: (await keptKey(file))!, origin: 'state' };
    } finally {
      await unlink(temp);
    }
    return { key, origin: 'generated' };
  } catch (err) {
    if (err instanceof HmacKeyError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new HmacKeyError(
      `cannot keep a generated HMAC key in ${file}: ${code}; give the agent write access to ${stateDir}, or provide a key in ${HMAC_KEY_ENV} or a key file`,
    );
  }
}
