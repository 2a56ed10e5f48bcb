import { createHash, createPublicKey } from 'node:crypto';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { PassThroughClient } from 'google-auth-library';
import { type KeySigner, signatureVerifies } from '../key-signer.js';
import { KmsAccessDeniedError, KmsBadSignatureError, KmsKeyUnusableError, KmsUnavailableError, KmsWrongKeySpecError } from './errors.js';
import type { GcpKmsSettings } from './settings.js';

const ALGORITHM = 'EC_SIGN_P256_SHA256';
/** CryptoKeyVersionAlgorithm.EC_SIGN_P256_SHA256, for a response that keeps enums as numbers. */
const ALGORITHM_NUMBER = 12;

/** gRPC status codes by number, as a GoogleError carries them. */
const GRPC_STATUS: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
const HTTP_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * The API's status name and message. Over REST the client reports an HTTP error as a GaxiosError whose
 * message is the API's error body ({error: {status, message}}); over gRPC, as a GoogleError with a numeric code.
 */
function statusOf(err: unknown): { status: string | undefined; message: string } {
  const e = err as { code?: unknown; status?: unknown; message?: string };
  const message = e.message ?? String(err);
  if (typeof e.status === 'number') {
    try {
      const body = JSON.parse(message) as { error?: { status?: string; message?: string } };
      return { status: body.error?.status ?? HTTP_STATUS[e.status], message: body.error?.message ?? message };
    } catch {
      return { status: HTTP_STATUS[e.status] ?? (e.status >= 500 ? 'UNAVAILABLE' : undefined), message };
    }
  }
  return { status: typeof e.code === 'number' ? GRPC_STATUS[e.code] : undefined, message };
}

function explain(err: unknown, keyVersion: string, call: 'asymmetricSign' | 'getPublicKey'): Error {
  const { status, message } = statusOf(err);
  const detail = `${status ?? 'error'}: ${message}`;
  const where = `signing.gcpKms.keyVersion ${keyVersion}`;
  switch (status) {
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
      return new KmsAccessDeniedError(
        `${where}: ${call} was refused (${detail}). Grant the agent's service account roles/cloudkms.signerVerifier on the key (deploy/terraform/gcp does), or check its Application Default Credentials.`,
      );
    case 'NOT_FOUND':
    case 'FAILED_PRECONDITION':
      return new KmsKeyUnusableError(`${where}: the key version cannot be used (${detail}). Check the resource name and that the version is enabled.`);
    case 'INVALID_ARGUMENT':
      return new KmsWrongKeySpecError(`${where}: ${detail}. Use a key whose purpose is ASYMMETRIC_SIGN with algorithm ${ALGORITHM}.`);
    case 'DEADLINE_EXCEEDED':
    case 'RESOURCE_EXHAUSTED':
    case 'INTERNAL':
    case 'UNAVAILABLE':
      return new KmsUnavailableError(`${where}: Cloud KMS did not answer ${call} (${detail}). Check the network path to Cloud KMS and retry.`);
  }
  // Network failures below the client carry a system error code (ECONNREFUSED, ENOTFOUND…) instead of a status.
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return new KmsUnavailableError(`${where}: Cloud KMS could not be reached for ${call} (${detail}). Check signing.gcpKms.endpoint and the network path.`);
  return new Error(`${where}: ${call} failed (${detail})`);
}

function client(settings: GcpKmsSettings): KeyManagementServiceClient {
  // REST rather than gRPC: the same calls over HTTP/1.1, which proxies and loopback stand-ins understand.
  if (!settings.endpoint) return new KeyManagementServiceClient({ fallback: true });
  const url = new URL(settings.endpoint);
  const https = url.protocol === 'https:';
  return new KeyManagementServiceClient({
    fallback: true,
    apiEndpoint: url.hostname,
    port: url.port ? Number(url.port) : https ? 443 : 80,
    protocol: https ? 'https' : 'http',
    // Credentials are never sent in clear text: a plain-http endpoint is a local test server.
    ...(https ? {} : { authClient: new PassThroughClient() }),
  });
}

/** A signer over a Cloud KMS key version; reads and checks the public key first, so a wrong key fails at start. */
export async function gcpKmsSigner(settings: GcpKmsSettings): Promise<KeySigner> {
  const { keyVersion } = settings;
  const kms = client(settings);
  const [key] = await kms.getPublicKey({ name: keyVersion }).catch((err: unknown) => {
    throw explain(err, keyVersion, 'getPublicKey');
  });
  if ((key.algorithm !== ALGORITHM && key.algorithm !== ALGORITHM_NUMBER) || !key.pem)
    throw new KmsWrongKeySpecError(
      `signing.gcpKms.keyVersion ${keyVersion} has algorithm ${String(key.algorithm)}; checkpoints and model signatures need ${ALGORITHM}. Create such a key (deploy/terraform/gcp does) and point keyVersion at one of its versions.`,
    );
  const publicKey = createPublicKey(key.pem);
  return {
    name: keyVersion,
    publicKey,
    async sign(data) {
      const digest = createHash('sha256').update(data).digest();
      const [out] = await kms.asymmetricSign({ name: keyVersion, digest: { sha256: digest } }).catch((err: unknown) => {
        throw explain(err, keyVersion, 'asymmetricSign');
      });
      const signature = Buffer.from(out.signature ?? []);
      // Verifying against the public key covers what the API's CRC32C fields would (a digest or
      // signature damaged on the way), and also a key version that is not the one we read.
      if (!signatureVerifies(publicKey, data, signature))
        throw new KmsBadSignatureError(`signing.gcpKms.keyVersion ${keyVersion}: Cloud KMS returned a signature that its public key does not verify`);
      return signature;
    },
  };
}
