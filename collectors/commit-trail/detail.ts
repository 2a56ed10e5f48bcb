import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Attachment, AttachmentInput } from '../../src/collector/contract.js';
import type { Classification } from './classify.js';
import type { Identity } from './identity.js';
import type { SignatureStatus } from './repository.js';
import type { ReviewKind, Reviewer } from './review.js';

/** What the evidence says about one commit; a line of the attachment, or an entry of `data.commits`. */
export interface CommitDetail extends Classification {
  id: string;
  merge: boolean;
  author: Identity;
  committer: Identity;
  /** Committer time. */
  time: string;
  /** The first-parent commit that brought it onto the branch: itself for direct commits and squashes, else a merge. */
  landedBy: string;
  reviewRequired: boolean;
  review: ReviewKind;
  reviewers: Reviewer[];
  /** `%G?` as a word; null when signing is not required, so signatures were not checked. */
  signature: SignatureStatus | null;
}

/**
 * JSON Lines of commit detail: what JSON.stringify writes for a CommitDetail,
 * twice as fast, because it runs for every commit. Identities repeat across
 * thousands of commits, so each is serialised once; ids, times and enum
 * values are plain ASCII by construction and need no escaping.
 */
export class DetailLines {
  private readonly identities = new Map<string, Map<string, string>>();

  line(d: CommitDetail): string {
    return (
      `{"id":"${d.id}","class":"${d.class}","rule":"${d.rule}","tool":${d.tool === null ? 'null' : JSON.stringify(d.tool)},"merge":${d.merge},` +
      `"author":${this.identity(d.author)},"committer":${this.identity(d.committer)},"time":"${d.time}","landedBy":"${d.landedBy}",` +
      `"reviewRequired":${d.reviewRequired},"review":"${d.review}","reviewers":${d.reviewers.length === 0 ? '[]' : JSON.stringify(d.reviewers)},` +
      `"signature":${d.signature === null ? 'null' : `"${d.signature}"`}}\n`
    );
  }

  private identity(i: Identity): string {
    let byEmail = this.identities.get(i.name);
    if (!byEmail) this.identities.set(i.name, (byEmail = new Map()));
    const email = i.email ?? '';
    let json = byEmail.get(email);
    if (json === undefined) byEmail.set(email, (json = JSON.stringify({ name: i.name, email: i.email })));
    return json;
  }
}

/** Up to this many commits go into the record itself; more go into a JSON Lines attachment. */
const INLINE_LIMIT = 50;
const DETAIL_NAME = 'commits.jsonl';
const CHUNK = 64 * 1024;

/**
 * Collects per-commit detail. Small ranges stay in memory for the record;
 * once a range outgrows INLINE_LIMIT the lines stream into an attachment
 * as they come, so a range of any size costs a fixed amount of memory.
 */
export class DetailSink {
  private inline: CommitDetail[] | null = [];
  private stream: PassThrough | null = null;
  private stored: Promise<Attachment> | null = null;
  private pending = '';
  private readonly lines = new DetailLines();

  constructor(private readonly attach: (input: AttachmentInput) => Promise<Attachment>) {}

  add(detail: CommitDetail): void {
    if (this.inline) {
      this.inline.push(detail);
      if (this.inline.length <= INLINE_LIMIT) return;
      this.open();
      for (const d of this.inline) this.pending += this.lines.line(d);
      this.inline = null;
    } else {
      this.pending += this.lines.line(detail);
    }
  }

  /** Hands buffered lines to the attachment once there is a chunk's worth, waiting while its writer is behind. */
  async drain(): Promise<void> {
    if (this.pending.length >= CHUNK) await this.flush();
  }

  /** The inline detail, or the stored attachment once its last line is written. */
  async finish(): Promise<{ inline: CommitDetail[] } | { attachment: Attachment }> {
    if (this.inline) return { inline: this.inline };
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

  private async flush(): Promise<void> {
    const stream = this.stream!;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    if (chunk.length > 0 && !stream.write(chunk)) await once(stream, 'drain');
  }
}
