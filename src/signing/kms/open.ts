import type { KeySigner } from '../key-signer.js';
import { SigningKeyError } from '../keys.js';
import type { KmsSettings } from './settings.js';

/** The signer for a KMS key. Each provider's SDK is loaded only when a config names that provider. */
export async function kmsKeySigner(settings: KmsSettings): Promise<KeySigner> {
  if ('kms' in settings) return (await import('./aws-kms.js')).awsKmsSigner(settings.kms);
  return (await import('./gcp-kms.js')).gcpKmsSigner(settings.gcpKms);
}

/**
 * The settings a command-line key id stands for: a Cloud KMS key version
 * (projects/…/cryptoKeyVersions/N), otherwise an AWS KMS key ARN, alias or id.
 */
export function kmsSettingsFromId(id: string, opts: { region?: string | undefined; endpoint?: string | undefined }): KmsSettings {
  const endpoint = opts.endpoint ? { endpoint: opts.endpoint } : {};
  if (id.startsWith('projects/')) {
    if (opts.region) throw new SigningKeyError(`--region is for AWS KMS keys; a Cloud KMS key version (${id}) names its location itself`);
    return { gcpKms: { keyVersion: id, ...endpoint } };
  }
  return { kms: { keyId: id, ...(opts.region ? { region: opts.region } : {}), ...endpoint } };
}
