import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parsePublicKey } from '../../../src/signing/keys.js';
import type { SignerPolicy } from '../format/signers.js';

import type { VerifyOptions } from '../schema.js';

export type { VerifyOptions };

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
// Spelt `…trustedroot+json;version=0.1`, `…trustedroot.v0.1+json` or `…trustedroot.v0.2+json`.
const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot';

/** A file named by a `verify` option cannot be used; the message names the option and the file. */
export class VerifyOptionError extends Error {
  override name = 'VerifyOptionError';
}

/** Reads the file an option names and parses it; any failure names the option and the file, then says what to do. */
async function load<T>(option: string, path: string, resolvePath: (p: string) => string, parse: (text: string) => T, advice: string): Promise<T> {
  const file = resolvePath(path);
  try {
    return parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new VerifyOptionError(`verify.${option} ${file}: ${(err as Error).message}; ${advice}`, { cause: err });
  }
}

/** The CA certificates of a PEM file. A file without one would silently trust no signer at all. */
function parseAnchors(text: string): X509Certificate[] {
  const pems = text.match(CERTIFICATE);
  if (!pems) throw new Error('holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  return pems.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new Error(`certificate ${i + 1} of ${pems.length} is not a readable X.509 certificate (${(err as Error).message})`);
    }
  });
}

function parseTrustedRoot(text: string): unknown {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new Error(`is not valid JSON (${(err as Error).message})`);
  }
  // Sigstore's parser accepts any JSON and fails only later, once per model, without naming this file.
  const mediaType = (root as { mediaType?: unknown } | null)?.mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE)) {
    throw new Error(`is not a Sigstore trusted root (mediaType ${JSON.stringify(mediaType)}, expected ${TRUSTED_ROOT_MEDIA_TYPE}…)`);
  }
  return root;
}

/** Turns the `verify` options into a signer policy, reading keys, CA certificates and a trusted root from files. */
export async function loadPolicy(verify: VerifyOptions, resolvePath: (p: string) => string): Promise<SignerPolicy> {
  switch (verify.method) {
    case 'key':
      return {
        method: 'key',
        publicKeys: await Promise.all(
          (verify.publicKeys ?? []).map((p) =>
            load('publicKeys', p, resolvePath, (text) => parsePublicKey(text, 'the file'), 'give the PEM public key of an allowed signer'),
          ),
        ),
      };
    case 'certificate': {
      const chains = await Promise.all(
        (verify.certificateChain ?? []).map((p) => load('certificateChain', p, resolvePath, parseAnchors, 'give the trusted CA certificates in PEM')),
      );
      return { method: 'certificate', anchors: chains.flat() };
    }
    case 'sigstore':
      return {
        method: 'sigstore',
        identity: verify.identity!,
        issuer: verify.issuer!,
        ...(verify.trustedRoot
          ? {
              trustedRoot: await load(
                'trustedRoot',
                verify.trustedRoot,
                resolvePath,
                parseTrustedRoot,
                "give Sigstore's trusted_root.json, or leave the option out to use the public-good root",
              ),
            }
          : {}),
      };
  }
}
