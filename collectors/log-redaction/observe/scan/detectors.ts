import { compilePatterns, detectPatterns } from './patterns.js';
import { PromptFields } from './prompt-fields.js';
import { detectSecrets, SECRET_ANCHORS } from './secrets.js';
import type { Match } from './types.js';

/**
 * Every detector, and the one prefilter that stands for all of them: a regular expression over the raw
 * bytes (read as Latin-1, one byte per character, which costs a copy and no decoding) whose matches are a
 * superset of where any detector can match. Only the lines it finds are decoded as UTF-8 and run through
 * the detectors; it is null when a configured pattern gives no usable anchor, and then every line is.
 */
export class Detectors {
  readonly prefilter: RegExp | null;
  private readonly lineFilter: RegExp | null;
  private readonly prompts: PromptFields;
  private readonly patterns: ReturnType<typeof compilePatterns>;

  constructor(options: { promptFields: readonly string[]; patterns: readonly { name: string; regex: string }[] }) {
    this.prompts = new PromptFields(options.promptFields);
    this.patterns = compilePatterns(options.patterns);
    const anchors = [...this.prompts.anchors, ...SECRET_ANCHORS, ...this.patterns.map((p) => p.anchor)];
    const source = anchors.every((a) => a !== null) ? anchors.join('|') : null;
    // `m`: a configured pattern's `^` and `$` then match at line ends in a buffer of many lines too.
    this.prefilter = source === null ? null : new RegExp(source, 'gm');
    this.lineFilter = source === null ? null : new RegExp(source, 'm');
  }

  /** Whether a detector may match in these bytes (cheap: no decoding). */
  mayMatch(bytes: Buffer): boolean {
    return this.lineFilter === null || this.lineFilter.test(bytes.toString('latin1'));
  }

  /** What the detectors find in one line (or one window of a longer line). Invalid UTF-8 reads as U+FFFD. */
  detect(bytes: Buffer): Match[] {
    const text = bytes.toString('utf8');
    const out: Match[] = [];
    this.prompts.detect(text, out);
    detectSecrets(text, out);
    detectPatterns(text, this.patterns, out);
    return out;
  }
}
