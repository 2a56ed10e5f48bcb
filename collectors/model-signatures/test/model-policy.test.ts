import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateP256 } from '../../../src/signing/keys.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { embeddedTrustedRoot } from '../format/sigstore-root.js';
import { loadPolicy, VerifyOptionError, type VerifyOptions } from '../observe/signer-policy.js';

/** Loads a policy whose one file option points at a file holding `text`, in a fresh folder. */
async function load(verify: VerifyOptions, file: string, text: string) {
  const dir = await tempDir();
  await writeFile(join(dir, file), text);
  return loadPolicy(verify, (p) => join(dir, p));
}

const sigstore = (trustedRoot: string): VerifyOptions => ({
  method: 'sigstore',
  identity: 'release@acme.example',
  issuer: 'https://accounts.google.com',
  trustedRoot,
});

describe('loadPolicy', () => {
  it('reads allowed keys and a Sigstore trusted root from files', async () => {
    expect(await load({ method: 'key', publicKeys: ['release.pub'] }, 'release.pub', generateP256().publicPem)).toMatchObject({
      method: 'key',
      publicKeys: [expect.anything()],
    });
    const root = embeddedTrustedRoot() as Record<string, unknown>;
    for (const mediaType of [root.mediaType, 'application/vnd.dev.sigstore.trustedroot.v0.2+json']) {
      const text = JSON.stringify({ ...root, mediaType });
      expect(await load(sigstore('trusted_root.json'), 'trusted_root.json', text)).toMatchObject({ method: 'sigstore', trustedRoot: { mediaType } });
    }
  });

  it.each([
    [
      'a trusted root that is not JSON',
      sigstore('trusted_root.json'),
      'trusted_root.json',
      '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": [',
      /^verify\.trustedRoot \S+\/trusted_root\.json: is not valid JSON \(.+\); give Sigstore's trusted_root\.json, or leave the option out/,
    ],
    [
      'JSON that is no trusted root',
      sigstore('trusted_root.json'),
      'trusted_root.json',
      '{"tlogs": 5}',
      /^verify\.trustedRoot \S+\/trusted_root\.json: is not a Sigstore trusted root \(mediaType undefined, expected application\/vnd\.dev\.sigstore\.trustedroot…\); give/,
    ],
    [
      'a corrupt certificate',
      { method: 'certificate', certificateChain: ['ca.pem'] },
      'ca.pem',
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
      /^verify\.certificateChain \S+\/ca\.pem: certificate 1 of 1 is not a readable X\.509 certificate \(.+\); give the trusted CA certificates in PEM$/,
    ],
    [
      'a chain file with no certificate (a public key instead)',
      { method: 'certificate', certificateChain: ['ca.pem'] },
      'ca.pem',
      generateP256().publicPem,
      /^verify\.certificateChain \S+\/ca\.pem: holds no PEM certificate \(-----BEGIN CERTIFICATE-----\); give the trusted CA certificates in PEM$/,
    ],
    [
      'a file that is not a key',
      { method: 'key', publicKeys: ['release.pub'] },
      'release.pub',
      'not a key\n',
      /^verify\.publicKeys \S+\/release\.pub: the file holds no PEM block; give the PEM public key of an allowed signer$/,
    ],
  ] satisfies [string, VerifyOptions, string, string, RegExp][])('refuses %s, naming the option and the file', async (_what, verify, file, text, message) => {
    const error = await load(verify, file, text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifyOptionError);
    expect((error as Error).message).toMatch(message);
  });

  it('names the option and the file when the file cannot be read', async () => {
    const dir = await tempDir();
    await expect(loadPolicy({ method: 'certificate', certificateChain: ['nope.pem'] }, (p) => join(dir, p))).rejects.toThrow(
      new RegExp(`^verify\\.certificateChain ${join(dir, 'nope.pem')}: ENOENT`),
    );
  });
});
