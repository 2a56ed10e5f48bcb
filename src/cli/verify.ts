import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openCheckpointBundle } from '../checkpoint/checkpoint.js';
import { WITNESS_URL } from '../checkpoint/witness-settings.js';
import { openWitnessReader, type WitnessReader } from '../checkpoint/witness-target.js';
import { configPathFrom, loadConfig, type StoreSettings } from '../config/load.js';
import type { Logger } from '../log.js';
import { parsePublicKey } from '../signing/keys.js';
import { isErrno } from '../store/errno.js';
import { FileStore } from '../store/file-store.js';
import { openStore } from '../store/open.js';
import { type EvidenceStore, StoreError, StoreUnavailableError } from '../store/types.js';
import type { TimestampCheck } from '../verify/checkpoint-time.js';
import type { KeptCheckpoint } from '../verify/checkpoints.js';
import { packageManifest, verifyPackage } from '../verify/package.js';
import { type VerifyReport, verifyStore } from '../verify/verify.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { Progress } from './progress.js';
import { formatTable } from './table.js';
import { parseTime } from './window.js';

export interface VerifyCliOptions {
  config?: string;
  store?: string;
  from?: string;
  to?: string;
  trustedKey?: string;
  since?: string;
  tsaCertificates?: string;
  clockTolerance?: string;
  json?: boolean;
  allowEmpty?: boolean;
  witness?: string;
  requireSigned?: boolean;
}

function render(report: VerifyReport): string {
  const held = `${report.records} records in ${report.streams.length} streams, ${report.attachments} attachments`;
  const pkg = report.package;
  const lines = [
    pkg
      ? `Verified the evidence package ${report.store}: ${pkg.selected} selected, ${pkg.files} files listed in manifest.json; it holds ${held} (positions it does not hold are not checked).`
      : `Verified ${report.store}: ${held}.`,
  ];
  if (report.streams.length > 0) {
    lines.push(
      formatTable(
        ['STREAM', 'RECORDS', 'SEQ', 'FIRST', 'LAST', 'PASS', 'FAIL', 'ERROR', 'INFO'],
        report.streams.map((s) => [
          s.stream,
          String(s.records),
          `${s.firstSeq}-${s.lastSeq}`,
          s.firstObservedAt ?? '?',
          s.lastObservedAt ?? '?',
          String(s.statuses.pass),
          String(s.statuses.fail),
          String(s.statuses.error),
          String(s.statuses.info),
        ]),
      ),
    );
  }
  const c = report.checkpoints;
  lines.push(
    c.count === 0
      ? 'Checkpoints: none (unsigned store).'
      : `Checkpoints: ${c.count}, newest ${c.lastCreatedAt}; signatures ${c.signatures === 'verified' ? 'verified with the trusted key' : 'not checked'}.`,
  );
  if (c.since) {
    const kept = `Since: checkpoint ${c.since.seq} of ${c.since.agent} (${c.since.source})`;
    lines.push(c.since.extended ? `${kept} is extended by the store.` : `${kept} is NOT extended by the store: see the problems.`);
  }
  if (c.timestamps)
    lines.push(`Timestamps: ${c.timestamps.verified} of ${c.count} checkpoints carry an RFC 3161 timestamp that verifies with ${c.timestamps.source}.`);
  const o = report.observedAt;
  if (o) {
    const against = o.source === 'file-mtime' ? "each file's mtime (weak evidence)" : "the store's own write time";
    lines.push(`Times: ${o.checked} records' observedAt compared with ${against}; ${o.skewed} more than ${o.toleranceSeconds} s apart.`);
    if (o.weak) for (const r of o.records.slice(0, 5)) lines.push(`  ${r.key}: observedAt ${r.observedAt}, mtime ${r.storedAt} (${r.skewSeconds} s)`);
  }
  if (c.witness) {
    const agents = c.witness.agents.map(
      (a) => `${a.agent} ${a.witnessed} (newest #${a.newestSeq ?? '-'}${a.unwitnessed ? `, ${a.unwitnessed} not yet witnessed` : ''})`,
    );
    lines.push(`Witness: ${c.witness.url}: ${agents.join('; ') || 'no agents'}.`);
  }
  for (const w of report.warnings) lines.push(`WARNING: ${w}`);
  if (report.ok && pkg) lines.push('OK: every file matches manifest.json, every record its hash, and every link between held records holds.');
  else if (report.ok) lines.push('OK: every record matches its hash and every chain is unbroken.');
  else {
    lines.push(`PROBLEMS (${report.problems.length}):`);
    for (const p of report.problems) lines.push(`  ${p.kind}  ${p.key}  ${p.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The checkpoint an auditor kept from an earlier verification; with a trusted key, only one that key signed. */
async function keptCheckpoint(file: string | undefined, trustedKey: KeyObject | undefined): Promise<KeptCheckpoint | undefined> {
  if (file === undefined) return undefined;
  try {
    return { ...(await openCheckpointBundle(await readFile(file), trustedKey)), source: file };
  } catch (err) {
    throw new CliError(
      `--since ${file}: ${(err as Error).message}; pass a checkpoints/<agent>/<seq>.json file kept from an earlier verification`,
      ExitCode.usage,
    );
  }
}

/**
 * A store that is not there must not verify as intact evidence: a mistyped folder or bucket is a usage error,
 * said as such. A bucket that does not answer is left to verify, which fails as the store being unreachable.
 */
export async function assertStoreExists(store: EvidenceStore, namedBy: string): Promise<void> {
  if (store instanceof FileStore) {
    const found = await stat(store.root).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    });
    if (!found?.isDirectory()) {
      throw new CliError(`store ${store.url} ${found ? 'is not a folder' : 'does not exist'}: check the folder ${namedBy} names`, ExitCode.usage);
    }
    return;
  }
  try {
    for await (const _ of store.list('', { delimiter: '/' })) break;
  } catch (err) {
    if (!(err instanceof StoreError) || err instanceof StoreUnavailableError) throw err;
    throw new CliError(
      `store ${store.url} cannot be listed (${err.message}): check that the bucket ${namedBy} names exists, that the endpoint and region are its own, and that these credentials may list it`,
      ExitCode.usage,
    );
  }
}

async function storeSettings(opts: VerifyCliOptions): Promise<{ settings: StoreSettings; baseDir: string; tsaCertificates?: string | undefined }> {
  if (opts.store) return { settings: { url: opts.store }, baseDir: process.cwd() };
  const config = await loadConfig(configPathFrom(opts.config));
  const tsa = config.signing?.tsa;
  return { settings: config.store, baseDir: config.dir, tsaCertificates: tsa ? resolve(config.dir, tsa.certificates) : undefined };
}

/** `--clock-tolerance` in milliseconds. */
function clockTolerance(value: string | undefined): number {
  const seconds = Number(value ?? '300');
  if (!Number.isFinite(seconds) || seconds < 0) throw new CliError(`--clock-tolerance ${value}: give a number of seconds, 0 or more`, ExitCode.usage);
  return seconds * 1000;
}

/** The TSA certificates checkpoints' timestamps must verify with: --tsa-certificates, else the config's signing.tsa. */
async function timestampCheck(file: string | undefined, what: string, toleranceMs: number): Promise<TimestampCheck | undefined> {
  if (!file) return undefined;
  const { readTsaTrust } = await import('../signing/tsa-config.js');
  const trust = await readTsaTrust(file, what).catch((err: unknown) => {
    throw new CliError(`${(err as Error).message}; give the PEM file of the TSA's certificate and its CA certificates`, ExitCode.usage);
  });
  return { trust, toleranceMs };
}

/** Re-reads a store and reports every broken record or chain. */
export async function verify(opts: VerifyCliOptions, log: Logger): Promise<ExitCodeValue> {
  const from = parseTime(opts.from, '--from', false);
  const to = parseTime(opts.to, '--to', true);
  const trustedKey = opts.trustedKey
    ? parsePublicKey(
        await readFile(opts.trustedKey, 'utf8').catch((err: unknown) => {
          throw new CliError(`--trusted-key ${opts.trustedKey}: ${(err as Error).message}`, ExitCode.usage);
        }),
        `--trusted-key ${opts.trustedKey}`,
      )
    : undefined;
  const since = await keptCheckpoint(opts.since, trustedKey);
  const { settings, baseDir, tsaCertificates } = await storeSettings(opts);
  const toleranceMs = clockTolerance(opts.clockTolerance);
  const timestamps = opts.tsaCertificates
    ? await timestampCheck(opts.tsaCertificates, '--tsa-certificates', toleranceMs)
    : await timestampCheck(tsaCertificates, 'signing.tsa.certificates', toleranceMs);
  const store = await openStore(settings, baseDir, { log, mode: 'read' });
  const witness = opts.witness ? await openWitness(opts.witness, log) : undefined;
  const progress = new Progress('verifying');
  try {
    await assertStoreExists(store, opts.store ? `--store ${opts.store}` : 'store.url in the config');
    // Only a folder the user names is taken for a package: a store named by its agent's config is always verified whole, so a
    // manifest.json planted in it cannot turn off the checks a package does not need (positions it does not hold).
    const manifest = opts.store ? await packageManifest(store) : null;
    if (manifest && (from || to || since || witness)) {
      throw new CliError(
        `${store.url} is an evidence package (manifest.json), checked whole: --from, --to, --since and --witness apply to stores only`,
        ExitCode.usage,
      );
    }
    const onProgress = (d: number, t: number) => progress.update(d, t);
    const report = manifest
      ? await verifyPackage(store, manifest, { trustedKey, onProgress })
      : await verifyStore(store, {
          from,
          to,
          trustedKey,
          since,
          allowEmpty: opts.allowEmpty,
          onProgress,
          timestamps,
          observedAtToleranceMs: toleranceMs,
          witness,
          requireSigned: opts.requireSigned,
        });
    progress.done();
    log.info({ records: report.records, problems: report.problems.length }, 'verify finished');
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    return report.ok ? ExitCode.ok : ExitCode.verifyProblems;
  } finally {
    await witness?.close();
    await store.close();
  }
}

/** The witness an auditor names; a URL that is none of the kinds it can be is a usage error. */
async function openWitness(url: string, log: Logger): Promise<WitnessReader> {
  if (!WITNESS_URL.test(url)) {
    throw new CliError(`--witness ${url}: give file:<folder>, s3://bucket/prefix, gs://bucket/prefix or https://host/path`, ExitCode.usage);
  }
  return openWitnessReader({ url }, process.cwd(), log);
}
