import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, type KMSClientConfig, SignCommand } from '@aws-sdk/client-kms';
import { type KeySigner, signatureVerifies } from '../key-signer.js';
import { KmsAccessDeniedError, KmsBadSignatureError, KmsKeyUnusableError, KmsUnavailableError, KmsWrongKeySpecError } from './errors.js';
import type { AwsKmsSettings } from './settings.js';

/** KMS signs a RAW message of at most this many bytes; longer ones must be sent as their digest. */
const RAW_LIMIT = 4096;

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const UNUSABLE = new Set(['NotFoundException', 'DisabledException', 'KMSInvalidStateException', 'InvalidArnException', 'KeyUnavailableException']);
const WRONG_SPEC = new Set(['InvalidKeyUsageException', 'UnsupportedOperationException']);

/** The region an ARN names (arn:aws:kms:<region>:<account>:key/…), if it is one. */
function regionOfArn(keyId: string): string | undefined {
  return /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyId)?.[1];
}

/** Turns an SDK error into one that says what to change; `call` is the KMS action that failed. */
function explain(err: unknown, keyId: string, call: 'Sign' | 'GetPublicKey'): Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const detail = `${name}: ${e.message ?? String(err)}`;
  const where = `signing.kms.keyId ${keyId}`;
  if (ACCESS_DENIED.has(name))
    return new KmsAccessDeniedError(
      `${where}: kms:${call} was refused (${detail}). Grant the agent's role kms:Sign and kms:GetPublicKey on this key (deploy/terraform/aws does), or check which AWS credentials the agent runs with.`,
    );
  if (UNUSABLE.has(name))
    return new KmsKeyUnusableError(
      `${where}: the key cannot be used (${detail}). Check the ARN or alias and the region, and that the key is enabled and not pending deletion.`,
    );
  if (WRONG_SPEC.has(name)) return new KmsWrongKeySpecError(`${where}: ${detail}. Use an asymmetric key with KeySpec ECC_NIST_P256 and KeyUsage SIGN_VERIFY.`);
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500 || name === 'TimeoutError')
    return new KmsUnavailableError(
      `${where}: AWS KMS did not answer kms:${call} (${detail}). Check the network path to KMS (endpoint, VPC endpoint, proxy) and retry.`,
    );
  return new Error(`${where}: kms:${call} failed (${detail})`);
}

/** A signer over an AWS KMS key; reads and checks the public key first, so a wrong key fails at start, not at the first checkpoint. */
export async function awsKmsSigner(settings: AwsKmsSettings): Promise<KeySigner> {
  const { keyId } = settings;
  const config: KMSClientConfig = { region: settings.region ?? regionOfArn(keyId) ?? process.env.AWS_REGION ?? 'us-east-1' };
  const endpoint = settings.endpoint ?? process.env.AWS_ENDPOINT_URL_KMS ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint) config.endpoint = endpoint;
  const client = new KMSClient(config);
  const key = await client.send(new GetPublicKeyCommand({ KeyId: keyId })).catch((err: unknown) => {
    throw explain(err, keyId, 'GetPublicKey');
  });
  // AWS sends the same value in both fields; moto only in the older CustomerMasterKeySpec.
  const spec = key.KeySpec ?? key.CustomerMasterKeySpec;
  if (spec !== 'ECC_NIST_P256' || key.KeyUsage !== 'SIGN_VERIFY' || !key.SigningAlgorithms?.includes('ECDSA_SHA_256') || !key.PublicKey)
    throw new KmsWrongKeySpecError(
      `signing.kms.keyId ${keyId} is a ${spec ?? 'unknown'} key for ${key.KeyUsage ?? 'unknown use'}; checkpoints and model signatures need KeySpec ECC_NIST_P256 with KeyUsage SIGN_VERIFY (ECDSA_SHA_256). Create one (deploy/terraform/aws does) and point keyId at it.`,
    );
  const publicKey = createPublicKey({ key: Buffer.from(key.PublicKey), format: 'der', type: 'spki' });
  const name = key.KeyId ?? keyId;
  return {
    name,
    publicKey,
    async sign(data) {
      // ECDSA_SHA_256 over a RAW message and over its SHA-256 DIGEST give the same signature; RAW is
      // limited to 4 KiB, and moto (the test server) does not implement DIGEST, so RAW where it fits.
      const raw = data.length <= RAW_LIMIT;
      const out = await client
        .send(
          new SignCommand({
            KeyId: keyId,
            Message: raw ? data : createHash('sha256').update(data).digest(),
            MessageType: raw ? 'RAW' : 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        )
        .catch((err: unknown) => {
          throw explain(err, keyId, 'Sign');
        });
      const signature = Buffer.from(out.Signature ?? []);
      // A checkpoint whose signature fails is worse than none: check before it is written.
      if (!signatureVerifies(publicKey, data, signature))
        throw new KmsBadSignatureError(
          `signing.kms.keyId ${keyId}: KMS returned a signature that its public key does not verify (${raw ? 'RAW' : 'DIGEST'} message)`,
        );
      return signature;
    },
  };
}
