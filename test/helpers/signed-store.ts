import { writeCheckpoint } from '../../src/checkpoint/write.js';
import type { Collector } from '../../src/collector/contract.js';
import { runCollectors } from '../../src/collector/runner.js';
import { generateP256, parsePrivateKey, parsePublicKey } from '../../src/signing/keys.js';
import { keyBundleSigner } from '../../src/signing/sign.js';
import { FileStore } from '../../src/store/file-store.js';
import { collectorOf, draft, environment, instance, steppingClock } from './fixtures.js';
import { tempDir } from './tmp.js';

/** A collector of type `c` yielding two records a run, numbered on from the run before. */
export function twoRecords(): Collector {
  let n = 0;
  return collectorOf('c', async function* () {
    yield draft(n++);
    yield draft(n++);
  });
}

/**
 * A file store in a temporary folder holding two runs of two records each (stream `c`, 2026-03-01,
 * seq 0 to 3), each run ending with a checkpoint of agent `test-agent` signed by a fresh key.
 */
export async function signedStore() {
  const root = await tempDir();
  const store = new FileStore(root);
  const keys = generateP256();
  const signer = keyBundleSigner(parsePrivateKey(keys.privatePem, 'test key'));
  const clock = steppingClock();
  const c = twoRecords();
  for (let run = 0; run < 2; run++) {
    const [outcome] = await runCollectors([instance('c', c)], environment(store, { clock }));
    await writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map([[outcome!.stream, outcome!.head!]]));
  }
  return { root, store, signer, clock, trusted: parsePublicKey(keys.publicPem, 'trusted') };
}
