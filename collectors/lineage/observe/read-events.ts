import { isRemote, type RemoteSettings } from '../../../src/store/remote/bucket.js';
import { checkEvent, type EventVerdict, parseEvents } from '../judge/event.js';
import type { LineageFold } from '../judge/fold.js';
import type { LineagePayload, Source } from '../schema.js';
import { bucketEventFiles } from './bucket-events.js';
import { eventFiles, fileTexts, SourceError } from './event-files.js';
import type { EventText } from './event-texts.js';
import { eventsUrl, marquezEvents, publicUrl } from './marquez.js';
import { spoolFiles } from './spool.js';

export type SourceReport = LineagePayload['sources'][number];
export type InvalidExample = LineagePayload['invalidExamples'][number];

/** One source of events, read when its turn comes: a file or folder, a bucket prefix, Marquez, or the receiver's spool. */
interface PlannedSource {
  report: SourceReport;
  read(): AsyncIterable<{ at: string; texts: AsyncIterable<EventText> } | { at: string; line: number; value: unknown }>;
}

export interface ReadContext {
  resolvePath(path: string): string;
  signal: AbortSignal;
  settings: RemoteSettings;
}

function plan(source: Source, ctx: ReadContext): PlannedSource {
  if ('marquez' in source) {
    const m = source.marquez;
    const report: SourceReport = { source: publicUrl(m.url), kind: 'marquez', events: 0, invalid: 0, error: null };
    return {
      report,
      async *read() {
        const at = eventsUrl(report.source).toString();
        for await (const { position, value } of marquezEvents(m, ctx.signal)) yield { at, line: position, value };
      },
    };
  }
  if (isRemote(source.path)) {
    const report: SourceReport = { source: source.path, kind: 'bucket', events: 0, invalid: 0, error: null };
    return {
      report,
      async *read() {
        for await (const file of bucketEventFiles(source.path, ctx.settings)) yield { at: file.url, texts: file.texts };
      },
    };
  }
  const path = ctx.resolvePath(source.path);
  return {
    report: { source: path, kind: 'path', events: 0, invalid: 0, error: null },
    async *read() {
      for (const file of await eventFiles(path)) yield { at: file, texts: fileTexts(file) };
    },
  };
}

function spoolSource(dir: string): PlannedSource {
  return {
    report: { source: dir, kind: 'spool', events: 0, invalid: 0, error: null },
    async *read() {
      for (const file of await spoolFiles(dir)) yield { at: file, texts: fileTexts(file, { pendingTail: true }) };
    },
  };
}

/** The first invalid events, and how many there were. */
export class InvalidEvents {
  readonly examples: InvalidExample[] = [];
  count = 0;

  constructor(private readonly keep: number) {}

  add(at: string, line: number, reason: string): void {
    this.count++;
    if (this.examples.length < this.keep) this.examples.push({ at, line, reason });
  }
}

function describe(report: SourceReport, err: Error): string {
  if (err instanceof SourceError || report.kind === 'marquez') return err.message;
  const what =
    report.kind === 'bucket' ? "check the bucket, the prefix and that the agent's credentials may list and read it" : 'check the path and its permissions';
  return `cannot read ${report.source}: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}; ${what}`;
}

/**
 * Reads every source and the spool, in that order, judging each event as it
 * streams past and folding the valid ones: nothing but the fold is kept. A
 * source that cannot be read (fully) is reported, and the others are still
 * read; what it gave before it failed stays folded.
 */
export async function readEvents(
  sources: readonly Source[],
  spool: string,
  ctx: ReadContext,
  fold: LineageFold,
  invalid: InvalidEvents,
): Promise<SourceReport[]> {
  const planned = [...sources.map((s) => plan(s, ctx)), spoolSource(spool)];
  for (const { report, read } of planned) {
    const tally = (at: string, line: number, verdicts: EventVerdict[]) => {
      for (const v of verdicts) {
        if (v.ok) {
          report.events++;
          fold.add(v.event);
        } else {
          report.invalid++;
          invalid.add(at, line, v.reason);
        }
      }
    };
    try {
      for await (const item of read()) {
        ctx.signal.throwIfAborted();
        if ('value' in item) {
          tally(item.at, item.line, [checkEvent(item.value)]);
          continue;
        }
        for await (const t of item.texts) {
          ctx.signal.throwIfAborted();
          tally(item.at, t.line, t.text === null ? [{ ok: false, reason: t.reason }] : parseEvents(t.text));
        }
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      report.error = describe(report, err as Error);
    }
  }
  return planned.map((p) => p.report);
}
