import type { PipelineVerdict } from '../verdict.js';
import { lineSet } from '../verdict.js';

/**
 * What the processors, filters or transforms met so far on one route do to
 * each prompt field, in order: a later step can undo an earlier one (copying
 * a field back), which is why order matters.
 */
export class Coverage {
  private readonly done = new Map<string, { how: 'drops' | 'redacts'; line: number | undefined }>();

  constructor(readonly fields: readonly string[]) {}

  mark(field: string, how: 'drops' | 'redacts', line: number | undefined): void {
    if (this.fields.includes(field) && !this.done.has(field)) this.done.set(field, { how, line });
  }

  markMatching(test: (field: string) => boolean, how: 'drops' | 'redacts', line: number | undefined): void {
    for (const f of this.fields) if (test(f)) this.mark(f, how, line);
  }

  /** A step that writes the field again from something else: it carries content once more. */
  uncover(field: string): void {
    this.done.delete(field);
  }

  /** The route's verdict: every field dropped or masked before it leaves, or which fields get through. */
  verdict(pipeline: string, destination: string, routeLines: readonly (number | undefined)[]): PipelineVerdict {
    const open = this.fields.filter((f) => !this.done.has(f));
    if (open.length > 0) {
      return {
        pipeline,
        verdict: 'passes-prompts',
        reason: `${open.join(', ')} reach ${destination} with nothing removing or masking them`,
        lines: lineSet(routeLines),
      };
    }
    const steps = [...this.done.values()];
    const how = steps.every((s) => s.how === 'drops') ? 'drops' : 'redacts';
    return {
      pipeline,
      verdict: how,
      reason: `${this.fields.join(', ')} ${how === 'drops' ? 'removed' : 'removed or masked'} before ${destination}`,
      lines: lineSet([...routeLines, ...steps.map((s) => s.line)]),
    };
  }
}

/** A glob (`*`, `?`) or Fluent Bit / Vector wildcard as a whole-string test. */
export function globTest(glob: string): (value: string) => boolean {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return (value) => re.test(value);
}

/** A configured regular expression as a test; an invalid one matches nothing (the tool would reject it too). */
export function regexTest(source: string, anchored = false): (value: string) => boolean {
  try {
    const re = new RegExp(anchored ? `^(?:${source})$` : source);
    return (value) => re.test(value);
  } catch {
    return () => false;
  }
}
