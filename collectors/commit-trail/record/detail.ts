import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Attachment, AttachmentInput } from '../../../src/collector/contract.js';
import type { CommitDetail, Identity } from '../schema.js';

/** A JSON Lines line, and whether it is all ASCII, which then encodes as Latin-1 and skips UTF-8's work. */
export interface DetailLine {
  text: string;
  ascii: boolean;
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * JSON Lines of commit detail: what JSON.stringify writes for a CommitDetail,
 * twice as fast, because it runs for every commit. Identities repeat across
 * thousands of commits as one object each (see Identities), so each is
 * serialised once; ids, times, tools and enum values are plain ASCII by
 * construction and need no escaping.
 */
export class DetailLines {
  private readonly identities = new Map<Identity, DetailLine>();
  private readonly signals = new Map<object, string>();
  private readonly fields = new Map<object, DetailLine>();

  line(d: CommitDetail): DetailLine {
    const author = this.identity(d.author);
    const committer = this.identity(d.committer);
    const reviewers = d.reviewers.length === 0 ? '[]' : JSON.stringify(d.reviewers);
    const agent = this.agentFields(d);
    return {
      text:
        `{"id":"${d.id}","class":"${d.class}","rule":"${d.rule}",${agent.text}"merge":${d.merge},` +
        `"author":${author.text},"committer":${committer.text},"time":"${d.time}","landedBy":"${d.landedBy}",` +
        `"reviewRequired":${d.reviewRequired},"review":"${d.review}","reviewers":${reviewers},` +
        `"signature":${d.signature === null ? 'null' : `"${d.signature}"`}}\n`,
      ascii: author.ascii && committer.ascii && (d.reviewers.length === 0 || !NON_ASCII.test(reviewers)) && agent.ascii,
    };
  }

  /** `tool` to `attribution`, with its trailing comma; the classifier hands out one signal object per marker, so each is serialised once. */
  private agentFields(d: CommitDetail): DetailLine {
    // Most commits are human, and the rest repeat a few markers: their fields are the same text every time.
    if (!d.attribution) {
      const key = d.signal ?? (d.tool === null ? HUMAN_FIELDS : null);
      const known = key && this.fields.get(key);
      if (known) return known;
      const line = this.agentText(d);
      if (key) this.fields.set(key, line);
      return line;
    }
    return this.agentText(d);
  }

  private agentText(d: CommitDetail): DetailLine {
    let signal = 'null';
    if (d.signal) {
      signal = this.signals.get(d.signal) ?? JSON.stringify(d.signal);
      this.signals.set(d.signal, signal);
    }
    const text =
      `"tool":${d.tool === null ? 'null' : JSON.stringify(d.tool)},"family":${d.family === null ? 'null' : JSON.stringify(d.family)},` +
      `"signal":${signal},"agentInvolved":${d.agentInvolved},${d.attribution ? `"attribution":${JSON.stringify(d.attribution)},` : ''}`;
    return { text, ascii: d.tool === null || !NON_ASCII.test(text) };
  }

  private identity(i: Identity): DetailLine {
    let json = this.identities.get(i);
    if (json === undefined) {
      const text = JSON.stringify({ name: i.name, email: i.email });
      json = { text, ascii: !NON_ASCII.test(text) };
      this.identities.set(i, json);
    }
    return json;
  }
}

/** The key of the fields every human commit shares. */
const HUMAN_FIELDS = {};

/** Up to this many commits go into the record itself; more go into a JSON Lines attachment. */
const INLINE_LIMIT = 50;
const DETAIL_NAME = 'commits.jsonl';
const CHUNK = 256 * 1024;

/**
 * Collects per-commit detail. Small ranges stay in memory for the record;
 * once a range outgrows INLINE_LIMIT the lines stream into an attachment
 * as they come, so a range of any size costs a fixed amount of memory.
 */
export class DetailSink {
  private inline: CommitDetail[] | null = [];
  private stream: PassThrough | null = null;
  private stored: Promise<Attachment> | null = null;
  /** Lines are encoded straight into chunks: joining them into one long string first costs more than the encoding. */
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private full: Buffer[] = [];
  private readonly lines = new DetailLines();

  constructor(private readonly attach: (input: AttachmentInput) => Promise<Attachment>) {}

  add(detail: CommitDetail): void {
    if (this.inline) {
      this.inline.push(detail);
      if (this.inline.length <= INLINE_LIMIT) return;
      this.open();
      for (const d of this.inline) this.write(this.lines.line(d));
      this.inline = null;
    } else {
      this.write(this.lines.line(detail));
    }
  }

  /** Hands full chunks to the attachment, waiting while its writer is behind. */
  async drain(): Promise<void> {
    if (this.full.length > 0) await this.flush();
  }

  /** The inline detail, or the stored attachment once its last line is written. */
  async finish(): Promise<{ inline: CommitDetail[] } | { attachment: Attachment }> {
    if (this.inline) return { inline: this.inline };
    this.seal();
    await this.flush();
    this.stream!.end();
    return { attachment: await this.stored! };
  }

  /** Stops the attachment when the run fails half way, so nothing partial is stored. */
  abandon(err: Error): void {
    this.stream?.destroy(err);
  }

  private open(): void {
    this.stream = new PassThrough();
    // Failures reach us through `stored` (finish) and the pending write (flush); an unheard 'error' event would crash the agent.
    this.stream.on('error', () => undefined);
    this.stored = this.attach({ name: DETAIL_NAME, mediaType: 'application/jsonl', body: this.stream });
    this.stored.catch(() => undefined);
  }

  private write(line: DetailLine): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const most = line.ascii ? line.text.length : line.text.length * 3;
    if (this.used + most > this.chunk.length) {
      this.seal();
      if (most > CHUNK) {
        this.full.push(Buffer.from(line.text, 'utf8'));
        return;
      }
    }
    this.used += this.chunk.write(line.text, this.used, line.ascii ? 'latin1' : 'utf8');
  }

  private seal(): void {
    if (this.used === 0) return;
    this.full.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
  }

  private async flush(): Promise<void> {
    const stream = this.stream!;
    const chunks = this.full;
    this.full = [];
    for (const chunk of chunks) {
      // A store that fails takes the stream down without a 'drain'; its rejection is what ends the wait then.
      if (!stream.write(chunk))
        await Promise.race([
          once(stream, 'drain'),
          this.stored!.then(() => Promise.reject(new Error('the commit detail attachment was closed before its last line'))),
        ]);
    }
  }
}
