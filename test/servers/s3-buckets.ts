import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export const TEST_CREDENTIALS = { accessKeyId: 'EVIDENCETESTKEY000001', secretAccessKey: 'evidence-test-secret-not-real-000000000000' };

/** An SDK client for a test server, with the same checksum settings as the store. */
export function testClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export type BucketKind = 'locked' | 'lock-no-default' | 'governance' | 'versioned-only' | 'plain';

/** Creates a bucket of a given posture; `locked` has Object Lock with a COMPLIANCE default retention. */
export async function createBucket(client: S3Client, name: string, kind: BucketKind, days = 400): Promise<void> {
  const lock = kind === 'locked' || kind === 'lock-no-default' || kind === 'governance';
  await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: lock }));
  if (kind === 'versioned-only') {
    await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  if (kind === 'locked' || kind === 'governance') {
    await client.send(
      new PutObjectLockConfigurationCommand({
        Bucket: name,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: kind === 'locked' ? 'COMPLIANCE' : 'GOVERNANCE', Days: days } },
        },
      }),
    );
  }
}
