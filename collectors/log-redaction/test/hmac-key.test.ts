import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { loadHmacKey } from '../observe/hmac-key.js';

const HEX = 'a1'.repeat(32);

describe('loadHmacKey', () => {
  it('takes LOG_REDACTION_HMAC_KEY as hex or base64, before a key file', async () => {
    const stateDir = join(await tempDir(), 'state');
    const hex = await loadHmacKey({ env: { LOG_REDACTION_HMAC_KEY: HEX }, keyFile: '/nonexistent', stateDir });
    expect(hex).toEqual({ key: Buffer.from(HEX, 'hex'), origin: 'environment' });
    const b64 = await loadHmacKey({ env: { LOG_REDACTION_HMAC_KEY: Buffer.alloc(40, 9).toString('base64') }, stateDir });
    expect(b64.key).toEqual(Buffer.alloc(40, 9));
    await expect(stat(stateDir)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a short or empty key from the environment, naming the variable and not the value', async () => {
    const stateDir = await tempDir();
    const short = 'c0ffee'.repeat(5);
    const error = await loadHmacKey({ env: { LOG_REDACTION_HMAC_KEY: short }, stateDir }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/LOG_REDACTION_HMAC_KEY holds a 15-byte key; .* at least 32 bytes .*openssl rand -hex 32/);
    expect((error as Error).message.includes(short)).toBe(false);
    await expect(loadHmacKey({ env: { LOG_REDACTION_HMAC_KEY: ' ' }, stateDir })).rejects.toThrow(/LOG_REDACTION_HMAC_KEY is set but empty/);
  });

  it('reads a key file, and names it when it is missing or too short', async () => {
    const dir = await tempDir();
    const file = join(dir, 'hmac.txt');
    await writeFile(file, `${HEX}\n`);
    expect(await loadHmacKey({ env: {}, keyFile: file, stateDir: dir })).toEqual({ key: Buffer.from(HEX, 'hex'), origin: 'key-file' });
    await expect(loadHmacKey({ env: {}, keyFile: join(dir, 'nope'), stateDir: dir })).rejects.toThrow(`the key file ${join(dir, 'nope')} does not exist`);
    await writeFile(file, 'abcd\n');
    await expect(loadHmacKey({ env: {}, keyFile: file, stateDir: dir })).rejects.toThrow(`the key file ${file} holds a 2-byte key`);
  });

  it('generates 32 random bytes once into <stateDir>/hmac.key (0600 in a 0700 folder) and reuses them', async () => {
    const stateDir = join(await tempDir(), '.log-redaction', 'inference-logging');
    const first = await loadHmacKey({ env: {}, stateDir });
    expect(first.origin).toBe('generated');
    expect(first.key).toHaveLength(32);
    expect(first.key.equals(Buffer.alloc(32))).toBe(false);
    expect((await stat(join(stateDir, 'hmac.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect((await readFile(join(stateDir, 'hmac.key'), 'utf8')).trim()).toBe(first.key.toString('hex'));
    const again = await loadHmacKey({ env: {}, stateDir });
    expect(again).toEqual({ key: first.key, origin: 'state' });
    const elsewhere = await loadHmacKey({ env: {}, stateDir: join(await tempDir(), 's') });
    expect(elsewhere.key.equals(first.key)).toBe(false);
  });

  it('two agents starting at once on one state folder end with the same key', async () => {
    const stateDir = join(await tempDir(), 'state');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadHmacKey({ env: {}, stateDir })));
    expect(new Set(keys.map((k) => k.key.toString('hex'))).size).toBe(1);
    expect(keys.filter((k) => k.origin === 'generated')).toHaveLength(1);
  });

  it('refuses a kept key that others can read, or one cut short', async () => {
    const stateDir = await tempDir();
    const file = join(stateDir, 'hmac.key');
    await writeFile(file, `${HEX}\n`, { mode: 0o644 });
    await chmod(file, 0o644);
    await expect(loadHmacKey({ env: {}, stateDir })).rejects.toThrow(`the kept key ${file} is readable by others (mode 644): run chmod 600 ${file}`);
    await chmod(file, 0o600);
    await writeFile(file, '');
    await expect(loadHmacKey({ env: {}, stateDir })).rejects.toThrow(`the kept key ${file} holds a 0-byte key`);
  });

  it('says what to do when the state folder cannot be written', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'x');
    await expect(loadHmacKey({ env: {}, stateDir: join(dir, 'file', 'state') })).rejects.toThrow(
      /cannot keep a generated HMAC key in .*hmac\.key: ENOTDIR; give the agent write access .* or provide a key in LOG_REDACTION_HMAC_KEY or a key file/,
    );
  });
});
