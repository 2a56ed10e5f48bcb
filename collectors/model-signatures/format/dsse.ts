import { type KeyObject, verify } from 'node:crypto';
import { ecdsaHash } from '../../../src/signing/keys.js';

/** DSSE pre-authentication encoding: what a DSSE signature covers. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Python's repr() of a bytes value, as model_signing 0.2 put it into its encoding. */
function pythonBytesRepr(bytes: Buffer): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** model_signing 0.2 signed "DSSEV1" (capital V) over the Python repr of the payload, always with SHA-256. */
function legacyEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.from(`DSSEV1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, 'utf8');
}

/** Checks an ECDSA DSSE signature; `legacy` when only the model_signing 0.2 encoding verifies. Null when neither does. */
export function verifyDsse(payloadType: string, payload: Buffer, signature: Buffer, key: KeyObject): 'standard' | 'legacy' | null {
  const hash = ecdsaHash(key, 'verification key');
  if (verify(hash, preAuthEncoding(payloadType, payload), key, signature)) return 'standard';
  const legacy = legacyEncoding(payloadType, payload);
  for (const h of new Set(['sha256', hash])) if (verify(h, legacy, key, signature)) return 'legacy';
  return null;
}
