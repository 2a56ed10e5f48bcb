import type { PipelineVerdict } from '../verdict.js';
import { entries, parseLinedYaml, scalarValue } from './yaml-lines.js';

/** One argument and where it stands: its line in an args file, or its position (from 1) in an `args` list. */
export interface Arg {
  value: string;
  line: number;
}

/**
 * vLLM server arguments: `--enable-log-requests` prints prompts to the server
 * log (cut to `--max-log-len` characters; 0 prints none), `--enable-log-outputs`
 * prints completions too; `--disable-log-requests` (deprecated) turns request
 * logging off. Without either, vLLM 0.10.2 and later log no requests.
 */
export function analyseVllm(args: readonly Arg[]): PipelineVerdict[] {
  const flag = (name: string) => args.find((a) => a.value === name || a.value.startsWith(`${name}=`));
  const argValue = (name: string): { value: string; line: number } | undefined => {
    const i = args.findIndex((a) => a.value === name || a.value.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const a = args[i]!;
    return a.value.includes('=')
      ? { value: a.value.slice(name.length + 1), line: a.line }
      : args[i + 1] && { value: args[i + 1]!.value, line: args[i + 1]!.line };
  };
  const enable = flag('--enable-log-requests');
  const disable = flag('--disable-log-requests');
  const outputs = flag('--enable-log-outputs');
  const maxLen = argValue('--max-log-len');
  const cut = maxLen !== undefined && Number(maxLen.value) === 0;
  const verdicts: PipelineVerdict[] = [];
  if (disable && !enable) {
    verdicts.push({
      pipeline: 'request log',
      verdict: 'drops',
      reason: '--disable-log-requests (deprecated) turns request logging off',
      lines: [disable.line],
    });
  } else if (enable) {
    verdicts.push(
      cut
        ? {
            pipeline: 'request log',
            verdict: 'redacts',
            reason: '--enable-log-requests with --max-log-len 0: no prompt characters are printed',
            lines: [enable.line, maxLen!.line],
          }
        : {
            pipeline: 'request log',
            verdict: 'passes-prompts',
            reason: `--enable-log-requests prints prompts to the server log${maxLen ? ` (up to ${maxLen.value} characters)` : ''}`,
            lines: [enable.line, ...(maxLen ? [maxLen.line] : [])],
          },
    );
    if (outputs) {
      verdicts.push(
        cut
          ? { pipeline: 'output log', verdict: 'redacts', reason: '--enable-log-outputs with --max-log-len 0', lines: [outputs.line, maxLen!.line] }
          : { pipeline: 'output log', verdict: 'passes-prompts', reason: '--enable-log-outputs prints completions to the server log', lines: [outputs.line] },
      );
    }
  } else {
    verdicts.push({
      pipeline: 'request log',
      verdict: 'drops',
      reason: 'no --enable-log-requests: vLLM 0.10.2 and later log no requests by default',
      lines: [],
    });
  }
  return verdicts.map((v) => ({ ...v, lines: [...new Set(v.lines)].sort((a, b) => a - b) }));
}

/** An args file as a shell would split it: one or more arguments a line, `\` continuations, quotes, `#` comments. */
export function splitArgsFile(text: string): Arg[] | { problem: string } {
  const args: Arg[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\\$/, '');
    const words = line.match(/"[^"]*"|'[^']*'|[^\s"']+/g) ?? [];
    const code = line.replace(/\s#.*$|^#.*$/, '');
    if ((code.split('"').length - 1) % 2 === 1) return { problem: `line ${i + 1}: unterminated quote` };
    for (const w of words) {
      if (w.startsWith('#')) break;
      args.push({ value: w.replace(/^(["'])(.*)\1$/, '$2'), line: i + 1 });
    }
  }
  return args;
}

/** A vLLM YAML config (`vllm serve --config`): `enable-log-requests: true` is the argument `--enable-log-requests`. */
export function vllmYamlArgs(text: string): Arg[] | { problem: string } {
  const parsed = parseLinedYaml(text);
  if ('problem' in parsed) return parsed;
  return entries(parsed.doc.contents).flatMap(([key, value, keyNode]): Arg[] => {
    const line = parsed.lineOf(keyNode) ?? 0;
    const v = scalarValue(value);
    if (v === true) return [{ value: `--${key}`, line }];
    if (v === false || v === null || v === undefined) return [];
    return [
      { value: `--${key}`, line },
      { value: String(v), line },
    ];
  });
}
