import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { LockedObjectStore } from '../../src/store/remote/locked-store.js';
import { S3_FIXES, S3Backend } from '../../src/store/s3/s3-backend.js';
import { silentLog } from '../helpers/fixtures.js';

export const TEST_CREDENTIALS = { accessKeyId: 'EVIDENCETESTKEY000001', secretAccessKey: 'evidence-test-secret-not-real-000000000000' };

/** The environment of an agent process that talks to a test server. */
export const TEST_ENV = {
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'warn',
};

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

export interface TestStoreOptions {
  days?: number;
  perObject?: boolean;
  allowMutable?: boolean;
  attempts?: number;
  log?: Logger;
}

/** The agent's S3 store on a test server, with short retries so an outage shows within a test. */
export function testS3Store(url: string, endpoint: string, opts: TestStoreOptions = {}): LockedObjectStore {
  return new LockedObjectStore(new S3Backend(url, { endpoint, forcePathStyle: true, region: 'us-east-1' }), {
    retention: { mode: 'COMPLIANCE', days: opts.days ?? 400, perObject: opts.perObject ?? false },
    allowMutable: opts.allowMutable ?? false,
    retry: { attempts: opts.attempts ?? 3, baseMs: 10, maxMs: 50 },
    log: opts.log ?? silentLog,
    fixes: S3_FIXES,
  });
}

/** The `store:` block of an agent config writing to `bucket` through `endpoint`, spooling next to the config. */
export function testStoreYaml(bucket: string, endpoint: string): string[] {
  return [
    'store:',
    `  url: s3://${bucket}/prod`,
    `  s3: { endpoint: "${endpoint}", forcePathStyle: true, region: us-east-1 }`,
    '  retention: { days: 400 }',
    '  retries: 2',
    '  spool: ./spool',
  ];
}
