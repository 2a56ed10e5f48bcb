import { createHash } from 'node:crypto';
import type { JsonValue } from '../json.js';
import { parseStrictJson } from '../record/strict-json.js';
import type { Attachment, EvidenceRecord } from '../record/types.js';
import { blobKey } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import { atPointer, type ItemsAnnotation } from './annotations.js';

/** One item of a record (a commit, a model), named as populations and samples name it. */
export interface RecordItem {
  /** `<record hash>#<value at the annotation's id>`: unique in any population, and names the record it comes from. */
  itemId: string;
  /** The attachment the item is a line of; absent for an item inside `data`. */
  attachment?: string;
}

/** A record whose items cannot be read as its payload schema's `x-evidence-items` says; the message names the record and what to do. */
export class RecordItemsError extends Error {
  override name = 'RecordItemsError';
}

const NEWLINE = 0x0a;

function idOf(item: JsonValue, annotation: ItemsAnnotation, where: string, key: string): string {
  const id = atPointer(item, annotation.id);
  if (typeof id === 'string') return id;
  if (typeof id === 'number') return String(id);
  throw new RecordItemsError(
    `${key}: ${where} has ${id === undefined ? 'no value' : `a ${id === null ? 'null' : typeof id} value`} at "${annotation.id}", the item id x-evidence-items names; ` +
      'an item id must be a string or a number. Run evidence-agent verify on this store, and check the payload schema the record names',
  );
}

/**
 * The items of a record, as its payload schema's `x-evidence-items` names them: the array at `path` in `data`
 * (`""`: `data` itself is the one item) or, where that is absent, the lines of the attachment of that name (JSON
 * Lines), read one line at a time so an attachment of any size is read in bounded memory. None when neither is there.
 * `ahead` is the attachment as readItemsAhead started reading it.
 */
export async function* itemsOf(
  store: EvidenceStore,
  key: string,
  record: EvidenceRecord,
  annotation: ItemsAnnotation,
  ahead?: Promise<OpenedAttachment> | null,
): AsyncIterable<RecordItem> {
  const inline = atPointer(record.data, annotation.path);
  if (annotation.path === '' && inline !== undefined) {
    yield { itemId: `${record.hash}#${idOf(inline, annotation, 'data', key)}` };
    return;
  }
  if (inline !== undefined) {
    if (!Array.isArray(inline))
      throw new RecordItemsError(`${key}: data at "${annotation.path}" is not an array, though x-evidence-items names it as the items`);
    for (const [i, item] of inline.entries()) yield { itemId: `${record.hash}#${idOf(item, annotation, `data${annotation.path}/${i}`, key)}` };
    return;
  }
  const attachment = itemsAttachment(record, annotation);
  if (!attachment) return;
  for await (const { line, number } of attachmentLines(attachment, ahead ?? openAttachment(store, key, attachment))) {
    let item: JsonValue;
    try {
      item = parseStrictJson(line, `line ${number}`) as JsonValue;
    } catch (err) {
      throw new RecordItemsError(`${attachment.key} (attachment ${attachment.name} of ${key}): ${(err as Error).message}; each line must be one JSON value`);
    }
    yield { itemId: `${record.hash}#${idOf(item, annotation, `line ${number} of attachment ${attachment.name}`, key)}`, attachment: attachment.name };
  }
}

/** The attachment a record's items are lines of; undefined when they are in `data`, or nowhere. */
function itemsAttachment(record: EvidenceRecord, annotation: ItemsAnnotation): Attachment | undefined {
  if (annotation.attachment === undefined || atPointer(record.data, annotation.path) !== undefined) return undefined;
  return record.attachments.find((a) => a.name === annotation.attachment);
}

/** Bytes of an attachment read before its turn; a short attachment is read whole, so at most this much waits per record. */
const READ_AHEAD_BYTES = 256 * 1024;
/** Records whose attachments are read while the current one's items are used: one at a time, the process waits on each. */
const RECORDS_AHEAD = 16;

/** An attachment's first chunks, read ahead, and the rest of its stream when there is more. */
export interface OpenedAttachment {
  where: string;
  head: Buffer[];
  rest: AsyncIterator<Buffer> | null;
}

/** Opens an attachment and reads its first READ_AHEAD_BYTES. */
async function openAttachment(store: EvidenceStore, key: string, attachment: Attachment): Promise<OpenedAttachment> {
  const where = `${attachment.key} (attachment ${attachment.name} of ${key})`;
  if (attachment.key !== blobKey(attachment.sha256))
    throw new RecordItemsError(
      `${key}: attachment ${attachment.name} is at ${attachment.key}, not ${blobKey(attachment.sha256)}; run evidence-agent verify on this store`,
    );
  const stream = await store.open(attachment.key);
  if (!stream) throw new RecordItemsError(`${where} is missing from the store; run evidence-agent verify on this store`);
  const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  for (let size = 0; size < READ_AHEAD_BYTES; ) {
    const next = await chunks.next();
    if (next.done) return { where, head, rest: null };
    head.push(next.value);
    size += next.value.length;
  }
  return { where, head, rest: chunks };
}

/** Ends what is left of an attachment read ahead but never used. */
function discard(opened: Promise<OpenedAttachment> | null): void {
  opened?.then(
    ({ rest }) => rest?.return?.(),
    () => undefined,
  );
}

/**
 * Records, each with the attachment its items are lines of (null when there is none) already being read, the next
 * RECORDS_AHEAD ones at a time: memory stays within RECORDS_AHEAD × READ_AHEAD_BYTES whatever the attachments' sizes.
 * `annotationOf` gives a record's x-evidence-items (undefined when its payload schema names none).
 */
export async function* readItemsAhead<T extends { key: string; record: EvidenceRecord }>(
  store: EvidenceStore,
  records: AsyncIterable<T>,
  annotationOf: (record: EvidenceRecord) => Promise<ItemsAnnotation | undefined>,
): AsyncIterable<{ scanned: T; annotation: ItemsAnnotation | undefined; ahead: Promise<OpenedAttachment> | null }> {
  const start = async (scanned: T) => {
    const annotation = await annotationOf(scanned.record);
    const attachment = annotation && itemsAttachment(scanned.record, annotation);
    const ahead = attachment ? openAttachment(store, scanned.key, attachment) : null;
    // A failure is seen when its record's turn comes; until then it must not count as unhandled.
    ahead?.catch(() => undefined);
    return { scanned, annotation, ahead };
  };
  const queue: ReturnType<typeof start>[] = [];
  try {
    for await (const scanned of records) {
      const started = start(scanned);
      started.catch(() => undefined);
      queue.push(started);
      if (queue.length > RECORDS_AHEAD) yield await queue.shift()!;
    }
    while (queue.length > 0) yield await queue.shift()!;
  } finally {
    for (const started of queue)
      started.then(
        ({ ahead }) => discard(ahead),
        () => undefined,
      );
  }
}

/**
 * The non-empty lines of an attachment, as bytes. The attachment is hashed as it is read, so items are never taken
 * from bytes that are not the ones the record names.
 */
async function* attachmentLines(attachment: Attachment, opening: Promise<OpenedAttachment>): AsyncIterable<{ line: Uint8Array; number: number }> {
  const opened = await opening;
  try {
    const hash = createHash('sha256');
    let pending: Buffer[] = [];
    let number = 0;
    for await (const chunk of chunksOf(opened)) {
      hash.update(chunk);
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
        pending.push(chunk.subarray(start, nl));
        const line = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        pending = [];
        start = nl + 1;
        number++;
        if (line.length > 0) yield { line, number };
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
    if (pending.length > 0) yield { line: Buffer.concat(pending), number: number + 1 };
    if (hash.digest('hex') !== attachment.sha256)
      throw new RecordItemsError(`${opened.where} does not hash to ${attachment.sha256}; run evidence-agent verify on this store`);
  } finally {
    // Left before its end (an error, or a reader that stopped): the stream is closed rather than left to the collector.
    await opened.rest?.return?.();
  }
}

async function* chunksOf({ head, rest }: OpenedAttachment): AsyncIterable<Buffer> {
  yield* head;
  if (!rest) return;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
