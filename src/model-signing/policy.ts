import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parsePublicKey } from '../signing/keys.js';
import type { SignerPolicy } from './signers.js';

export interface VerifyOptions {
  method: 'key' | 'certificate' | 'sigstore';
  publicKeys?: string[];
  certificateChain?: string[];
  identity?: string;
  issuer?: string;
  trustedRoot?: string;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Turns the `verify` options into a signer policy, reading keys, CA certificates and a trusted root from files. */
export async function loadPolicy(verify: VerifyOptions, resolvePath: (p: string) => string): Promise<SignerPolicy> {
  const read = (p: string) => readFile(resolvePath(p), 'utf8');
  switch (verify.method) {
    case 'key':
      return { method: 'key', publicKeys: await Promise.all((verify.publicKeys ?? []).map(async (p) => parsePublicKey(await read(p), `verify.publicKeys ${p}`))) };
    case 'certificate': {
      const pems = await Promise.all((verify.certificateChain ?? []).map(read));
      return { method: 'certificate', anchors: pems.flatMap((text) => text.match(CERTIFICATE) ?? []).map((pem) => new X509Certificate(pem)) };
    }
    case 'sigstore':
      return {
        method: 'sigstore',
        identity: verify.identity!,
        issuer: verify.issuer!,
        ...(verify.trustedRoot ? { trustedRoot: JSON.parse(await read(verify.trustedRoot)) as unknown } : {}),
      };
  }
}
