import { createHash } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import type { BundleSigner } from './sign.js';
import { TimestampError, type TsaTrust, verifyBundleTimestamps } from './timestamp.js';

const ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;

/** DER length octets. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/**
 * A plain RFC 3161 TimeStampReq (DER) for the SHA-256 of `signature`, asking for the TSA's certificate in the reply.
 * @sigstore/sign's TSAClient speaks the JSON of Sigstore's timestamp-authority only; this form is what every RFC 3161
 * TSA takes (public ones, a private one, and Sigstore's, which takes both). No nonce: the imprint is of a fresh ECDSA
 * signature, so a replayed reply cannot match it.
 */
export function timestampRequest(signature: Buffer): Buffer {
  const sha256 = der(0x30, der(0x06, Buffer.from('608648016503040201', 'hex')), Buffer.from([0x05, 0x00]));
  const imprint = der(0x30, sha256, der(0x04, createHash('sha256').update(signature).digest()));
  return der(0x30, der(0x02, Buffer.from([1])), imprint, der(0x01, Buffer.from([0xff])));
}

async function post(url: string, body: Buffer): Promise<Buffer> {
  let last: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const reply = Buffer.from(await res.arrayBuffer());
      if (res.ok) return reply;
      last = new Error(`HTTP ${res.status}: ${reply.toString('utf8', 0, 200).trim()}`);
      if (res.status < 500 && res.status !== 429) break;
    } catch (err) {
      last = err;
    }
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  throw new TimestampError(`the TSA at ${url} did not timestamp the checkpoint: ${(last as Error).message}`);
}

export interface TimestampAuthority {
  url: string;
  trust: TsaTrust;
}

/**
 * Adds an RFC 3161 timestamp over the bundle's signature to `verificationMaterial.timestampVerificationData`, after
 * checking it against the TSA certificates the auditor will check it with.
 */
export async function addTimestamp(bundle: SerializedBundle, tsa: TimestampAuthority): Promise<SerializedBundle> {
  const sig = bundle.dsseEnvelope?.signatures[0]?.sig ?? bundle.messageSignature?.signature;
  if (!sig) throw new TimestampError('the bundle holds no signature to timestamp');
  const reply = await post(tsa.url, timestampRequest(Buffer.from(sig, 'base64')));
  const stamped: SerializedBundle = {
    ...bundle,
    verificationMaterial: {
      ...bundle.verificationMaterial,
      timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: reply.toString('base64') }] },
    },
  };
  try {
    verifyBundleTimestamps(stamped, tsa.trust);
  } catch (err) {
    throw new TimestampError(`the TSA at ${tsa.url} answered with a timestamp that does not verify: ${(err as Error).message}`, { cause: err });
  }
  return stamped;
}

/**
 * A signer whose bundles carry a timestamp from the TSA. When the TSA cannot give one, the bundle is returned without
 * it and `onMissing` says why: the checkpoint still vouches for the heads, and the next one that is timestamped bounds
 * its time through the chain of checkpoints (its `prev`), whereas failing would leave the heads unsigned.
 */
export function timestampingSigner(signer: BundleSigner, tsa: TimestampAuthority, onMissing: (reason: string) => void): BundleSigner {
  return {
    identity: signer.identity,
    sign: async (payload, payloadType) => {
      const bundle = await signer.sign(payload, payloadType);
      try {
        return await addTimestamp(bundle, tsa);
      } catch (err) {
        onMissing((err as Error).message);
        return bundle;
      }
    },
  };
}
