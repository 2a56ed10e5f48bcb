/**
 * JSON read as evidence-schema/README.md ("Re-verifying one record", step 1)
 * requires: UTF-8 that decodes without replacement, no repeated member name in
 * any object, no unpaired surrogate escape in any string. JSON.parse accepts
 * all three (the last of two members wins, a lone `\ud800` becomes a lone
 * code unit) and a lossy decoder turns a bad byte into U+FFFD, so a document a
 * person or another parser reads one way could verify as another.
 */

/** A document that is not strict JSON; the message says what is wrong, and where. */
export class StrictJsonError extends Error {
  override name = 'StrictJsonError';
}

// ignoreBOM keeps a byte order mark in the text, where JSON.parse refuses it, as a strict reader must.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** An open object (names seen, and the member being read) or array (the element being read). */
interface Frame {
  names: Set<string>;
  name: string;
  index: number;
}

/**
 * Parses UTF-8 JSON strictly. `what` names the document in messages
 * (`the record`, `the checkpoint payload`).
 */
export function parseStrictJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new StrictJsonError(`not valid UTF-8 at byte ${firstInvalidByte(bytes)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StrictJsonError(`not valid JSON: ${(err as Error).message}`);
  }
  // The parse keeps one member of each name, so the text holds more members than the value exactly when a name repeats.
  const members = membersInText(text);
  if (members < 0 || members !== membersInValue(value)) throw describeFault(text, what);
  return value;
}

/**
 * The number of object members in text JSON.parse has accepted, or -1 when
 * a string holds an unpaired surrogate escape. In valid JSON each `:`
 * outside strings ends one member name, so counting them is all it takes;
 * strings are skipped with indexOf, which keeps this cheap beside the parse.
 */
function membersInText(text: string): number {
  let members = 0;
  // Kept ahead of the scan, so that finding whether a string holds an escape never searches the same text twice.
  let nextBackslash = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) members++;
    else if (c === QUOTE) {
      const start = i + 1;
      i = text.indexOf('"', start);
      if (nextBackslash < start) {
        nextBackslash = text.indexOf('\\', start);
        if (nextBackslash < 0) nextBackslash = n;
      }
      if (nextBackslash < i) {
        i = endOfEscapedString(text, start);
        if (i < 0) return -1;
      }
    }
  }
  return members;
}

function membersInValue(value: unknown): number {
  let members = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (Array.isArray(item)) {
      for (const element of item) if (typeof element === 'object') pending.push(element);
      continue;
    }
    const keys = Object.keys(item);
    members += keys.length;
    for (const key of keys) {
      const member = (item as Record<string, unknown>)[key];
      if (typeof member === 'object') pending.push(member);
    }
  }
  return members;
}

/**
 * What is wrong with text that holds a repeated member name or an unpaired
 * surrogate escape, and where: a slower pass, which keeps every object's
 * names, made only once a fault is known to be there.
 */
function describeFault(text: string, what: string): StrictJsonError {
  const stack: Frame[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      i = endOfEscapedString(text, start);
      if (i < 0) return new StrictJsonError(`unpaired surrogate escape ${unpairedEscape(text, start)} in a string of ${where(stack, what)}`);
      if (!expectName) continue;
      const frame = stack.at(-1)!;
      const name = JSON.parse(text.slice(start - 1, i + 1)) as string;
      if (frame.names.has(name)) return new StrictJsonError(`duplicate member ${JSON.stringify(name)} in ${where(stack, what)}`);
      frame.names.add(name);
      frame.name = name;
      expectName = false;
    } else if (c === OPEN_OBJECT) {
      stack.push({ names: new Set(), name: '', index: -1 });
      expectName = true;
    } else if (c === OPEN_ARRAY) stack.push({ names: new Set(), name: '', index: 0 });
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      expectName = false;
    } else if (c === COMMA) {
      const frame = stack.at(-1)!;
      if (frame.index < 0) expectName = true;
      else frame.index++;
    }
  }
  return new StrictJsonError(`a member name is repeated in ${what}`);
}

/** The index of the closing quote of a string, or -1 when the string holds an unpaired surrogate escape. */
function endOfEscapedString(text: string, start: number): number {
  let i = start;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c !== BACKSLASH) i++;
    else if (text.charCodeAt(i + 1) !== LOWER_U) i += 2;
    else {
      const unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
      if (unit >= 0xdc00 && unit <= 0xdfff) return -1;
      if (unit < 0xd800 || unit > 0xdbff) i += 6;
      else if (!isLowSurrogateEscape(text, i + 6)) return -1;
      else i += 12;
    }
  }
}

function isLowSurrogateEscape(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== BACKSLASH || text.charCodeAt(at + 1) !== LOWER_U) return false;
  const unit = Number.parseInt(text.slice(at + 2, at + 6), 16);
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The first unpaired surrogate escape of a string that holds one, as written. */
function unpairedEscape(text: string, start: number): string {
  for (let i = text.indexOf('\\u', start); ; i = text.indexOf('\\u', i + 2)) {
    const unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
    if (unit >= 0xdc00 && unit <= 0xdfff) return text.slice(i, i + 6);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (!isLowSurrogateEscape(text, i + 6)) return text.slice(i, i + 6);
      i += 6;
    }
  }
}

/** `the record`, or `data.files[0] of the record`: the object or array being read, as verify writes paths. */
function where(stack: readonly Frame[], what: string): string {
  let path = '';
  for (let d = 0; d < stack.length - 1; d++) {
    const frame = stack[d]!;
    if (frame.index >= 0) path += `[${frame.index}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(frame.name) ? `${path ? '.' : ''}${frame.name}` : `[${JSON.stringify(frame.name)}]`;
  }
  return path ? `${path} of ${what}` : what;
}

/** Where a fatal decoder stopped: the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (b < 0x80) more = 0;
    else if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return i;
}
