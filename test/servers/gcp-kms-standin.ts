/**
 * A loopback stand-in for the Cloud KMS REST API, for tests of the gcpKms signer.
 *
 * It is a stand-in, not an emulator: Google ships no Cloud KMS emulator, so this answers
 * exactly the two calls the signer makes (@google-cloud/kms in REST mode), as the v1 API
 * documents them, with real P-256 keys it generates and keeps in memory:
 *
 *   GET  /v1/<keyVersion>/publicKey          PublicKey {pem, algorithm, pemCrc32c, name, protectionLevel}
 *   POST /v1/<keyVersion>:asymmetricSign     {digest: {sha256}} -> {signature, signatureCrc32c, verifiedDigestCrc32c, name, protectionLevel}
 *
 * Errors come as the API sends them: {error: {code, message, status}} with the HTTP status.
 * Anything else answers 501, so a new client call shows up as a failing test, not a silent pass.
 */
import { createECDH, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Order of the P-256 group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export interface StandInKeyVersion {
  /** Defaults to EC_SIGN_P256_SHA256; another value makes getPublicKey report a key the signer must refuse. */
  algorithm?: string;
  /** Answer every call for this version with 403 PERMISSION_DENIED, as for a caller without roles/cloudkms.signerVerifier. */
  denied?: boolean;
  /** Sign with a key other than the one getPublicKey reports, as a faulty or impersonating service would. */
  signsWithOtherKey?: boolean;
}

export interface GcpKmsStandIn {
  /** The endpoint to give the signer: `http://127.0.0.1:<port>`. */
  url: string;
  /** The public key of a version, as SPKI PEM. */
  publicKeyPem(keyVersion: string): string;
  /** Every request, as `METHOD /path`, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

const ALGORITHM_NUMBERS: Record<string, number> = { EC_SIGN_P256_SHA256: 12, EC_SIGN_P384_SHA384: 13, RSA_SIGN_PSS_2048_SHA256: 2 };

/** CRC32C (Castagnoli), which the API puts beside every value as an Int64Value (a decimal string in JSON). */
function crc32c(bytes: Buffer): string {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return String((crc ^ 0xffffffff) >>> 0);
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}

function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/**
 * ECDSA over a digest that is already computed, which is what asymmetricSign receives.
 * Node signs only whole messages, so this does the textbook computation, using ECDH
 * for the point multiplication k·G: r = x(k·G) mod n, s = k⁻¹(e + r·d) mod n.
 */
function signDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const d = BigInt(`0x${Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex')}`);
  const e = BigInt(`0x${digest.toString('hex')}`);
  for (;;) {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const k = BigInt(`0x${ecdh.getPrivateKey('hex')}`);
    const r = BigInt(`0x${ecdh.getPublicKey().subarray(1, 33).toString('hex')}`) % N;
    const s = (modPow(k, N - 2n, N) * ((e + r * d) % N)) % N;
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND' };

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, message: string): void {
  send(res, status, { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } });
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}

/** Starts the stand-in on a free loopback port with the given key versions, each with a fresh key. */
export async function startGcpKmsStandIn(versions: Record<string, StandInKeyVersion>): Promise<GcpKmsStandIn> {
  const keys = new Map(
    Object.entries(versions).map(([name, v]) => [
      name,
      {
        ...v,
        privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
        otherKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      },
    ]),
  );
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`${req.method} ${url.pathname}`);
    const numericEnums = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const m = /^\/v1\/(.+?)(\/publicKey|:asymmetricSign)$/.exec(decodeURIComponent(url.pathname));
    const call = m ? `${req.method} ${m[2]}` : '';
    if (call !== 'GET /publicKey' && call !== 'POST :asymmetricSign') return fail(res, 501, `the stand-in does not implement ${req.method} ${url.pathname}`);
    const name = m![1]!;
    const key = keys.get(name);
    if (!key) return fail(res, 404, `${name} not found.`);
    if (key.denied) return fail(res, 403, `Permission 'cloudkms.cryptoKeyVersions.useToSign' denied on resource '${name}' (or it may not exist).`);
    const algorithm = key.algorithm ?? 'EC_SIGN_P256_SHA256';
    const enumValue = (v: string, numbers: Record<string, number>) => (numericEnums ? numbers[v] : v);
    const protectionLevel = enumValue('SOFTWARE', { SOFTWARE: 1 });
    if (call === 'GET /publicKey') {
      const pem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
      return send(res, 200, { pem, algorithm: enumValue(algorithm, ALGORITHM_NUMBERS), pemCrc32c: crc32c(Buffer.from(pem)), name, protectionLevel });
    }
    body(req).then(
      (b) => {
        const sha256 = (b.digest as { sha256?: string } | undefined)?.sha256;
        const digest = sha256 ? Buffer.from(sha256, 'base64') : null;
        if (digest?.length !== 32) return fail(res, 400, 'The request must contain a SHA-256 digest of 32 bytes for a key of algorithm EC_SIGN_P256_SHA256.');
        if (algorithm !== 'EC_SIGN_P256_SHA256') return fail(res, 400, `The digest type does not match the algorithm ${algorithm} of ${name}.`);
        if (b.digestCrc32c !== undefined && String(b.digestCrc32c) !== crc32c(digest))
          return fail(res, 400, 'The checksum in field digest_crc32c did not match.');
        const signature = signDigest(key.signsWithOtherKey ? key.otherKey : key.privateKey, digest);
        send(res, 200, {
          signature: signature.toString('base64'),
          signatureCrc32c: crc32c(signature),
          verifiedDigestCrc32c: b.digestCrc32c !== undefined,
          name,
          protectionLevel,
        });
      },
      (err: unknown) => fail(res, 400, `invalid JSON body: ${(err as Error).message}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    publicKeyPem: (keyVersion) => createPublicKey(keys.get(keyVersion)!.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
