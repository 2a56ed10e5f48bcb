import { createAjv, describeErrors, type ValidateFunction } from '../json-schema.js';
import { HASH_PREFIX, sha256Hex } from '../record/hash.js';
import { parseStrictJson } from '../record/strict-json.js';
import type { CollectorRef } from '../record/types.js';
import { blobKey } from '../store/layout.js';
import type { EvidenceStore, ObjectVersion } from '../store/types.js';
import { checkLock } from './object-audit.js';
import type { VerifyProblem } from './problems.js';

type Loaded = { validate: ValidateFunction } | { problem: string };

const REF = /^sha256:([0-9a-f]{64})$/;

/**
 * The payload schemas records name, read from the store they sit in, each
 * checked against its name and compiled once, whatever the number of
 * records that name it.
 */
export class PayloadSchemas {
  private readonly loaded = new Map<string, Promise<Loaded>>();
  // As when written: plugins' schemas may use keywords ajv's strict mode does not know.
  private readonly ajv = createAjv({ strict: false });

  /**
   * `versionOf` gives the version of a key to read in a bucket that keeps
   * versions (its oldest): a schema rewritten later must not judge records
   * written before.
   */
  constructor(
    private readonly store: EvidenceStore,
    private readonly versionOf: (key: string) => ObjectVersion | undefined = () => undefined,
  ) {}

  /** Problems of a record's `data` against the schema it names; none for a record that names none (written before schemas were named). */
  async check(collector: CollectorRef | undefined, data: unknown): Promise<string[]> {
    const ref = collector?.payloadSchema;
    if (ref === undefined) return [];
    let loading = this.loaded.get(ref);
    if (!loading) {
      loading = this.load(ref);
      this.loaded.set(ref, loading);
    }
    const schema = await loading;
    if ('problem' in schema) return [schema.problem];
    return schema.validate(data) ? [] : describeErrors(schema.validate.errors, ['data']);
  }

  /** Checks the lock of every schema blob that was read, as attachments' locks are checked. */
  async checkLocks(problems: VerifyProblem[]): Promise<void> {
    for (const ref of this.loaded.keys()) {
      const hex = REF.exec(ref)?.[1];
      const version = hex ? this.versionOf(blobKey(hex)) : undefined;
      if (version) await checkLock(this.store, blobKey(hex!), version, problems);
    }
  }

  private async load(ref: string): Promise<Loaded> {
    const hex = REF.exec(ref)?.[1];
    if (!hex) return { problem: `collector.payloadSchema "${ref}" is not sha256:<64 hex>` };
    const key = blobKey(hex);
    const bytes = await this.store.get(key, this.versionOf(key)?.versionId);
    if (!bytes) return { problem: `payload schema ${ref} is missing from the store (${key}), so data cannot be checked` };
    if (HASH_PREFIX + sha256Hex(bytes) !== ref) return { problem: `payload schema ${key} does not hash to its name` };
    try {
      return { validate: this.ajv.compile(parseStrictJson(bytes, 'the payload schema') as Record<string, unknown>) };
    } catch (err) {
      return { problem: `payload schema ${ref} is not a usable JSON Schema: ${(err as Error).message}` };
    }
  }
}
