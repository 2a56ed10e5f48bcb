/**
 * Writes 100,000 small records to a local store and verifies them, then
 * measures the floor for verification in the same run: reading and SHA-256
 * hashing the same files with nothing else. Prints records/s and the ratio.
 *
 *   npm run bench            (RECORDS=20000 npm run bench for a quicker run)
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StreamWriter } from '../src/chain/stream-writer.js';
import { mapLimit } from '../src/pool.js';
import { FileStore } from '../src/store/file-store.js';
import { RECORDS_PREFIX } from '../src/store/layout.js';
import { verifyStore } from '../src/verify/verify.js';

const COUNT = Number(process.env.RECORDS ?? 100_000);
const STREAMS = 10;
const log = pino({ level: 'silent' });

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'ea-bench-records-'));
  try {
    const store = new FileStore(root);
    const agent = { id: 'bench', version: 'bench', host: 'bench', configSha256: '0'.repeat(64) };
    const t0 = performance.now();
    // One writer per stream, as in a real run; streams write concurrently.
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, s) => {
        const writer = await StreamWriter.open(store, `bench/c${s}`);
        for (let i = s; i < COUNT; i += STREAMS) {
          await writer.append({
            draft: {
              subject: { kind: 'model', id: `m-${i % 97}` },
              status: i % 13 ? 'pass' : 'fail',
              summary: `Record ${i}.`,
              data: { i, digest: 'a'.repeat(64) },
            },
            collector: { type: 'bench', version: '1' },
            controls: ['CC8.1'],
            agent,
            observedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000),
          });
        }
      }),
    );
    const writeSec = (performance.now() - t0) / 1000;
    log.info('written');

    const t1 = performance.now();
    const report = await verifyStore(store);
    const verifySec = (performance.now() - t1) / 1000;
    if (!report.ok || report.records !== COUNT) throw new Error(`verify failed: ${report.problems.length} problems, ${report.records} records`);

    const t2 = performance.now();
    const keys: string[] = [];
    for await (const k of store.list(RECORDS_PREFIX)) keys.push(k);
    await mapLimit(keys, 32, async (k) =>
      createHash('sha256')
        .update(await readFile(join(root, k)))
        .digest('hex'),
    );
    const floorSec = (performance.now() - t2) / 1000;

    const rate = (sec: number) => Math.round(COUNT / sec).toLocaleString('en-US');
    console.log(`records:                 ${COUNT.toLocaleString('en-US')} in ${STREAMS} streams`);
    console.log(`write:                   ${writeSec.toFixed(2)} s  ${rate(writeSec)} records/s (fsync per record and folder)`);
    console.log(`verify:                  ${verifySec.toFixed(2)} s  ${rate(verifySec)} records/s`);
    console.log(`read + sha256 only:      ${floorSec.toFixed(2)} s  ${rate(floorSec)} records/s`);
    console.log(`verify / (read+sha256):  ${(verifySec / floorSec).toFixed(2)}x`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
