/** What a configuration does with prompts and completions on one pipeline or route. */
export type Verdict = 'drops' | 'redacts' | 'passes-prompts' | 'unknown';

export interface PipelineVerdict {
  pipeline: string;
  verdict: Verdict;
  reason: string;
  /** 1-based lines of the config (for vLLM `args`: positions in the list) that decided it. */
  lines: number[];
}

export interface ConfigAnalysis {
  configSha256: string | null;
  pipelines: PipelineVerdict[];
  /** Why the config could not be analysed; its pipelines are then one `unknown` verdict. */
  problem?: string;
}

/** The single verdict of a config that could not be read or understood. */
export function unknownConfig(reason: string, lines: number[] = []): PipelineVerdict[] {
  return [{ pipeline: '(config)', verdict: 'unknown', reason, lines }];
}

/** Sorted, distinct, positive line numbers. */
export function lineSet(lines: readonly (number | undefined)[]): number[] {
  return [...new Set(lines.filter((l): l is number => l !== undefined && l > 0))].sort((a, b) => a - b);
}
