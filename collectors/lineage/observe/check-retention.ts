import type { RemoteSettings } from '../../../src/store/remote/bucket.js';
import { type LastNamed, RetentionCheck, type RetentionResult } from '../judge/retention.js';
import type { RetentionRule } from '../schema.js';
import { storedObjects } from './stored-objects.js';

export interface RetentionContext {
  resolvePath(path: string): string;
  signal: AbortSignal;
  settings: RemoteSettings;
  /** The run's clock, in milliseconds. */
  now: number;
  /** Findings listed per rule; the rest are counted. */
  keep: number;
}

/**
 * Lists what each rule's location still stores and checks every object as it
 * streams past. A listing that fails is reported with how far it got; the
 * other rules are still checked.
 */
export async function checkRetention(rules: readonly RetentionRule[], named: LastNamed, ctx: RetentionContext): Promise<RetentionResult[]> {
  const results: RetentionResult[] = [];
  for (const rule of rules) {
    const check = new RetentionCheck(rule, named, ctx.now, ctx.keep);
    let found = true;
    let error: string | null = null;
    try {
      const listing = await storedObjects(rule.location, ctx.settings, ctx.resolvePath);
      found = listing.found;
      if (listing.found) {
        for await (const object of listing.objects) {
          ctx.signal.throwIfAborted();
          check.check(object);
        }
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const e = err as Error;
      error = `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`;
    }
    results.push({ rule, found, error, tally: check.tally, findings: check.findings() });
  }
  return results;
}
