/**
 * Builds the audit bench's synthetic store through the agent's own writing
 * path (payload schemas stored and checked, attachments stored by
 * storeAttachment, records by buildRecord and the record schema, signed
 * checkpoints by writeCheckpoint, all into a FileStore), day by day, and keeps
 * it for the next run: a marker file beside the store names the parameters it
 * was built with.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordBytes } from '../src/chain/stream-writer.js';
import type { StreamHead } from '../src/checkpoint/checkpoint.js';
import { writeCheckpoint } from '../src/checkpoint/write.js';
import { storeAttachment } from '../src/collector/attachments.js';
import { ensureSchemaStored, type StoredSchema, storedSchema } from '../src/collector/payload-schema.js';
import { readJsonSchema } from '../src/json-schema.js';
import { packagePath } from '../src/package-root.js';
import { mapLimit } from '../src/pool.js';
import { buildRecord } from '../src/record/build.js';
import type { AgentInfo, Attachment, EvidenceRecord } from '../src/record/types.js';
import { validateRecord } from '../src/record/validate.js';
import { generateP256, parsePrivateKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { FileStore } from '../src/store/file-store.js';
import { recordKey } from '../src/store/layout.js';
import { type BenchDraft, draftOf, type StreamState } from './audit-drafts.js';
import { DAY, type Kind, PAYLOAD_SCHEMAS, planStreams, random, START, type StreamEvent } from './audit-streams.js';

/** Bumped whenever the generator writes a different store, so a kept one is rebuilt. */
const GENERATOR = 1;
/** Writes in flight: enough to keep the thread pool busy, each write waiting for two fsyncs. */
const WRITES_IN_FLIGHT = 64;
const PREFIX = 'evidence-agent-bench-audit-';

export interface BenchParameters {
  records: number;
  streams: number;
  days: number;
}

export interface StoreSummary {
  records: number;
  /** Items inside records (x-evidence-items), inline and in attachments. */
  items: number;
  attachments: number;
  checkpoints: number;
  agents: number;
  bytes: number;
}

export interface BenchStore {
  /** The folder of the store, its marker and its signing key. */
  dir: string;
  root: string;
  publicKey: string;
  /** The window the store spans, as --from and --to. */
  from: string;
  to: string;
  summary: StoreSummary;
  /** Seconds the build took in this run; null when a kept store was used. */
  builtIn: number | null;
}

interface Marker extends BenchParameters {
  generator: number;
  summary: StoreSummary;
}

const NOTICE_SCHEMA = storedSchema(readJsonSchema(packagePath('evidence-schema', 'v1', 'agent-notice.schema.json')));
const SCHEMAS = Object.fromEntries(Object.entries(PAYLOAD_SCHEMAS).map(([k, s]) => [k, storedSchema(s)])) as Record<Kind, StoredSchema>;

/**
 * The temporary folder (or BENCH_DIR). Not /dev/shm, though a build there takes half the time (a million records,
 * each written with two fsyncs): the CLI refuses any store under /dev, even to read it.
 */
function parentFolder(): string {
  return process.env.BENCH_DIR ?? tmpdir();
}

/** The bench store for these parameters: the kept one if its marker matches, else built now (replacing other kept ones). */
export async function benchStore(params: BenchParameters): Promise<BenchStore> {
  const parent = parentFolder();
  const dir = join(parent, `${PREFIX}${params.records}-${params.streams}-${params.days}`);
  const window = { from: new Date(START).toISOString().slice(0, 10), to: new Date(START + (params.days - 1) * DAY).toISOString().slice(0, 10) };
  const common = { dir, root: join(dir, 'store'), publicKey: join(dir, 'checkpoint.pub.pem'), ...window };
  const marker = await readFile(join(dir, 'store.json'), 'utf8')
    .then((text) => JSON.parse(text) as Marker)
    .catch(() => null);
  if (
    marker?.generator === GENERATOR &&
    marker.records === params.records &&
    marker.streams === params.streams &&
    marker.days === params.days &&
    existsSync(common.publicKey)
  ) {
    return { ...common, summary: marker.summary, builtIn: null };
  }
  // One kept store at a time: a million records take gigabytes.
  for (const name of await readdir(parent)) if (name.startsWith(PREFIX)) await rm(join(parent, name), { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  const summary = await build(common.root, dir, params);
  await writeFile(join(dir, 'store.json'), `${JSON.stringify({ generator: GENERATOR, ...params, summary } satisfies Marker)}\n`);
  return { ...common, summary, builtIn: (performance.now() - started) / 1000 };
}

interface Pending {
  stream: number;
  event: StreamEvent;
}

interface Built {
  stream: number;
  event: StreamEvent;
  draft: BenchDraft;
  attachment?: Attachment;
}

function itemsOf(draft: BenchDraft): number {
  const data = draft.draft.data as Record<string, unknown> | undefined;
  if (draft.notice || !data) return 0;
  if (typeof data.count === 'number') return data.count;
  if (typeof data.name === 'string') return 1;
  const list = data.files ?? data.datasets ?? data.drills;
  return Array.isArray(list) ? list.length : 0;
}

async function build(root: string, dir: string, params: BenchParameters): Promise<StoreSummary> {
  const store = new FileStore(root);
  const keys = generateP256();
  await writeFile(join(dir, 'checkpoint.key.pem'), keys.privatePem, { mode: 0o600 });
  await writeFile(join(dir, 'checkpoint.pub.pem'), keys.publicPem);
  const signer = keyBundleSigner(parsePrivateKey(keys.privatePem, 'the bench signing key'));
  for (const schema of [NOTICE_SCHEMA, ...Object.values(SCHEMAS)]) await ensureSchemaStored(store, schema);

  const planned = planStreams(params.records, params.streams, params.days);
  const cursors = planned.map((p) => ({ pending: p.events.next() }));
  const states: StreamState[] = planned.map(() => ({ lastCommit: null, counter: 0 }));
  const draws = planned.map((_, i) => random(5000 + i));
  const heads = planned.map((): EvidenceRecord | null => null);
  const agents = new Map<string, AgentInfo>();
  for (const { spec } of planned) {
    const configSha256 = createHash('sha256').update(`config of ${spec.agent}`).digest('hex');
    agents.set(spec.agent, { id: spec.agent, version: '0.1.0', host: `${spec.agent}.bench.internal`, configSha256 });
  }
  const summary: StoreSummary = { records: 0, items: 0, attachments: 0, checkpoints: 0, agents: agents.size, bytes: 0 };
  const signal = new AbortController().signal;
  const started = performance.now();
  const step = Math.max(1, Math.round(params.days / 10));

  for (let day = 0; day < params.days; day++) {
    const end = START + (day + 1) * DAY;
    // The day's events of every stream, in time order, so record ids (ULIDs of the time) run as an agent's would.
    const pending: Pending[] = [];
    cursors.forEach((cursor, stream) => {
      while (!cursor.pending.done && cursor.pending.value.at < end) {
        pending.push({ stream, event: cursor.pending.value });
        cursor.pending = planned[stream]!.events.next();
      }
    });
    pending.sort((a, b) => a.event.at - b.event.at);
    const drafted: Built[] = pending.map(({ stream, event }) => ({ stream, event, draft: draftOf(planned[stream]!, event, states[stream]!, draws[stream]!) }));
    await mapLimit(drafted, WRITES_IN_FLIGHT, async (b) => {
      if (!b.draft.attachment) return;
      const { name, mediaType, bytes } = b.draft.attachment;
      b.attachment = await storeAttachment(store, { name, mediaType, body: bytes }, signal);
      summary.attachments++;
      summary.bytes += bytes.length;
    });
    const writes = drafted.map(({ stream, event, draft, attachment }) => {
      const { spec, stream: name, cadence } = planned[stream]!;
      const schema = draft.notice ? NOTICE_SCHEMA : SCHEMAS[spec.kind];
      const problems = schema.check(draft.draft.data);
      if (problems.length > 0) throw new Error(`bench draft of ${name} does not match its payload schema: ${problems.join('; ')}`);
      const previous = heads[stream];
      const record = buildRecord({
        draft: attachment ? { ...draft.draft, attachments: [attachment] } : draft.draft,
        stream: name,
        previous: previous ? { seq: previous.seq, hash: previous.hash } : null,
        collector: { type: `bench-${spec.kind}`, version: '1.0.0', payloadSchema: schema.ref },
        controls: spec.controls,
        agent: agents.get(spec.agent)!,
        observedAt: new Date(event.at),
        cadence,
      });
      const invalid = validateRecord(record);
      if (invalid.length > 0) throw new Error(`bench record of ${name} does not match the record schema: ${invalid.join('; ')}`);
      heads[stream] = record;
      summary.items += itemsOf(draft);
      return { key: recordKey(name, record.seq, record.observedAt), bytes: recordBytes(record) };
    });
    await mapLimit(writes, WRITES_IN_FLIGHT, async ({ key, bytes }) => {
      await store.put(key, bytes);
      summary.bytes += bytes.length;
    });
    summary.records += writes.length;
    // Each agent signs its heads at the end of the day, as a daemon's runs would.
    for (const agent of agents.keys()) {
      const known = new Map<string, StreamHead>();
      planned.forEach((p, i) => {
        const head = heads[i];
        if (p.spec.agent === agent && head) known.set(p.stream, { seq: head.seq, hash: head.hash });
      });
      if (known.size === 0) continue;
      await writeCheckpoint(store, agent, signer, new Date(end - 60_000), known);
      summary.checkpoints++;
    }
    if ((day + 1) % step === 0 || day + 1 === params.days) {
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `  built day ${day + 1}/${params.days}: ${summary.records.toLocaleString('en-US')} records, ${Math.round(summary.records / seconds).toLocaleString('en-US')} records/s`,
      );
    }
  }
  await store.close();
  return summary;
}
