import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SigningKeyError } from './keys.js';
import type { TsaSettings } from './settings.js';
import { type TsaTrust, tsaTrust } from './timestamp.js';
import type { TimestampAuthority } from './timestamp-authority.js';

/** Reads a TSA's certificates (PEM) for `verify --tsa-certificates` or `signing.tsa.certificates`; a bad file is a config or usage error. */
export async function readTsaTrust(file: string, what: string): Promise<TsaTrust> {
  const pem = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new SigningKeyError(`${what}: cannot read ${file}: ${(err as Error).message}`);
  });
  try {
    return tsaTrust(pem, `${what} (${file})`);
  } catch (err) {
    throw new SigningKeyError((err as Error).message);
  }
}

/** The TSA `signing.tsa` names, with the certificates its timestamps must verify with (relative to the config's folder). */
export async function tsaFromConfig(tsa: TsaSettings, configDir: string): Promise<TimestampAuthority> {
  return { url: tsa.url, trust: await readTsaTrust(resolve(configDir, tsa.certificates), 'signing.tsa.certificates') };
}
