import { AnnotationError } from '../audit/annotations.js';
import { CadenceError } from '../audit/cadence.js';
import { EmptyStoreError } from '../audit/coverage.js';
import { OutputExistsError, refuseExisting } from '../audit/output-file.js';
import { AuditReadError } from '../audit/scan.js';
import type { Logger } from '../log.js';
import { openStore } from '../store/open.js';
import type { EvidenceStore } from '../store/types.js';
import { CliError, ExitCode } from './exit-codes.js';
import { controlUsageError } from './framework.js';
import { assertStoreExists } from './verify.js';

/** What the audit layer throws, as the exit code it means; anything else unchanged. */
export function auditCliError(err: unknown): unknown {
  if (err instanceof AuditReadError || err instanceof AnnotationError) return new CliError(err.message, ExitCode.verifyProblems);
  if (err instanceof CadenceError) return new CliError(err.message, ExitCode.usage);
  if (err instanceof OutputExistsError) return new CliError(`--out ${err.message}`, ExitCode.usage);
  if (err instanceof EmptyStoreError) return new CliError(`${err.message}: check that --store names the store the agents write to`, ExitCode.usage);
  return controlUsageError(err);
}

/**
 * Runs an audit command on the store `--store` names: opened to read (file:, s3://, gs:// or an extracted
 * evidence package), refused when it is not there, closed afterwards; what the audit layer throws becomes an
 * exit code.
 */
export async function withAuditStore<T>(url: string | undefined, log: Logger, use: (store: EvidenceStore) => Promise<T>): Promise<T> {
  if (!url) throw new CliError('--store is required: the store to read, e.g. --store file:./evidence or --store s3://bucket/prefix', ExitCode.usage);
  const store = await openStore({ url }, process.cwd(), { log, mode: 'read' });
  try {
    await assertStoreExists(store, `--store ${url}`);
    return await use(store);
  } catch (err) {
    throw auditCliError(err);
  } finally {
    await store.close();
  }
}

/** `--out`, required, and never a path that exists: audit outputs are never replaced. */
export async function newOutput(out: string | undefined, example: string): Promise<string> {
  if (!out) throw new CliError(`--out is required: ${example}`, ExitCode.usage);
  await refuseExisting(out).catch((err: unknown) => {
    throw auditCliError(err);
  });
  return out;
}
