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
 */
export async function* itemsOf(store: EvidenceStore, key: string, record: EvidenceRecord, annotation: ItemsAnnotation): AsyncIterable<RecordItem> {
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
  if (annotation.attachment === undefined) return;
  const attachment = record.attachments.find((a) => a.name === annotation.attachment);
  if (!attachment) return;
  for await (const { line, number } of attachmentLines(store, key, attachment)) {
    let item: JsonValue;
    try {
      item = parseStrictJson(line, `line ${number}`) as JsonValue;
    } catch (err) {
      throw new RecordItemsError(`${attachment.key} (attachment ${attachment.name} of ${key}): ${(err as Error).message}; each line must be one JSON value`);
    }
    yield { itemId: `${record.hash}#${idOf(item, annotation, `line ${number} of attachment ${attachment.name}`, key)}`, attachment: attachment.name };
  }
}

/**
 * The non-empty lines of an attachment, as bytes. The attachment is hashed as it is read, so items are never taken
 * from bytes that are not the ones the record names.
 */
async function* attachmentLines(store: EvidenceStore, key: string, attachment: Attachment): AsyncIterable<{ line: Uint8Array; number: number }> {
  const where = `${attachment.key} (attachment ${attachment.name} of ${key})`;
  if (attachment.key !== blobKey(attachment.sha256))
    throw new RecordItemsError(
      `${key}: attachment ${attachment.name} is at ${attachment.key}, not ${blobKey(attachment.sha256)}; run evidence-agent verify on this store`,
    );
  const stream = await store.open(attachment.key);
  if (!stream) throw new RecordItemsError(`${where} is missing from the store; run evidence-agent verify on this store`);
  const hash = createHash('sha256');
  let pending: Buffer[] = [];
  let number = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
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
    throw new RecordItemsError(`${where} does not hash to ${attachment.sha256}; run evidence-agent verify on this store`);
}
