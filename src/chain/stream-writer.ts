import { type BuildInput, buildRecord } from '../record/build.js';
import { canonicalize } from '../record/canonical-json.js';
import type { EvidenceRecord } from '../record/types.js';
import { validateRecord } from '../record/validate.js';
import { recordKey } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import { readHead, readLastCollected, writtenByAgent } from './head.js';

export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
  constructor(
    readonly stream: string,
    readonly problems: string[],
  ) {
    super(`record for ${stream} does not match the record schema: ${problems.join('; ')}`);
  }
}

/** The clock read earlier than the stream's newest record: the record at `seq` was given that record's time instead. */
export interface ClockStep {
  clockReading: string;
  previousObservedAt: string;
  behindMs: number;
  seq: number;
}

/** The serialised form of a record in every store: RFC 8785 canonical JSON and a newline. */
export function recordBytes(record: EvidenceRecord): Buffer {
  return Buffer.from(`${canonicalize(record)}\n`, 'utf8');
}

/**
 * The single writer of one stream: appends records at the next position of
 * the chain, continuing from whatever the store already holds.
 */
export class StreamWriter {
  /** Appends run one after another, so a notice written during a run never forks the chain. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set while appends are being clamped: one clock step is one notice, however many records it holds back. */
  private clamping = false;
  private step: ClockStep | null = null;

  private constructor(
    private readonly store: EvidenceStore,
    readonly stream: string,
    private head: EvidenceRecord | null,
    private collected: EvidenceRecord | null,
  ) {}

  static async open(store: EvidenceStore, stream: string): Promise<StreamWriter> {
    const head = await readHead(store, stream);
    const collected = head && writtenByAgent(head) ? await readLastCollected(store, stream) : head;
    return new StreamWriter(store, stream, head, collected);
  }

  /** The newest record of the stream, written by this writer or found in the store. */
  get previous(): EvidenceRecord | null {
    return this.head;
  }

  /**
   * The newest record the collector itself produced. The agent's notices and
   * failure records are passed over: they carry no collector state, and a
   * collector that resumed from them would lose its place.
   */
  get lastCollected(): EvidenceRecord | null {
    return this.collected;
  }

  /** The clock step back that began holding records at their predecessor's time, once, for the agent to write a notice. */
  takeClockStep(): ClockStep | null {
    const step = this.step;
    this.step = null;
    return step;
  }

  append(input: Omit<BuildInput, 'stream' | 'previous' | 'storage'>): Promise<EvidenceRecord> {
    const next = this.queue.then(async () => {
      // Time never runs backwards along a chain. A clock stepped back (a VM resumed from a stale
      // snapshot) would otherwise file the record under an earlier day than its predecessor, where
      // the next writer, which reads the head from the newest day, would not see it and fork the chain.
      const floor = this.head ? Date.parse(this.head.observedAt) : -Infinity;
      const clamped = input.observedAt.getTime() < floor;
      const observedAt = clamped ? new Date(floor) : input.observedAt;
      const record = buildRecord({ ...input, observedAt, stream: this.stream, previous: this.head, storage: this.store.storage });
      const problems = validateRecord(record);
      if (problems.length > 0) throw new InvalidRecordError(this.stream, problems);
      await this.store.put(recordKey(this.stream, record.seq, record.observedAt), recordBytes(record));
      if (clamped && !this.clamping) {
        this.step = {
          clockReading: input.observedAt.toISOString(),
          previousObservedAt: this.head!.observedAt,
          behindMs: floor - input.observedAt.getTime(),
          seq: record.seq,
        };
      }
      this.clamping = clamped;
      this.head = record;
      if (!writtenByAgent(record)) this.collected = record;
      return record;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** One writer per stream for the life of a process, shared by every run and notice of that stream. */
export class StreamWriters {
  private readonly writers = new Map<string, Promise<StreamWriter>>();

  constructor(private readonly store: EvidenceStore) {}

  get(stream: string): Promise<StreamWriter> {
    let writer = this.writers.get(stream);
    if (!writer) {
      writer = StreamWriter.open(this.store, stream);
      // A failed open (store down) is retried on the next call rather than cached.
      writer.catch(() => this.writers.delete(stream));
      this.writers.set(stream, writer);
    }
    return writer;
  }
}
