import type { ConfigInput } from '../../observe/config.js';
import type { LogSource } from '../../schema.js';
import { type ConfigAnalysis, type PipelineVerdict, unknownConfig } from '../verdict.js';
import { analyseFluentBit } from './fluent-bit.js';
import { analyseLitellm } from './litellm.js';
import { analyseNginx } from './nginx.js';
import { analyseOtelCollector } from './otel-collector.js';
import { analyseVector } from './vector.js';
import { analyseVllm, splitArgsFile, vllmYamlArgs } from './vllm.js';

export interface Fields {
  promptFields: readonly string[];
  promptAttributes: readonly string[];
}

/** The analyser for a source's kind, over what was read; a problem reading or parsing is an `unknown` verdict, never a throw. */
export function analyseConfig(source: LogSource, input: ConfigInput, fields: Fields): ConfigAnalysis {
  if (input.sha256 === null) return { configSha256: null, pipelines: unknownConfig(input.problem), problem: input.problem };
  const pipelines = analyse(source, input, fields);
  const problem = pipelines.length === 1 && pipelines[0]!.pipeline === '(config)' ? pipelines[0]!.reason : undefined;
  return problem === undefined ? { configSha256: input.sha256, pipelines } : { configSha256: input.sha256, pipelines, problem };
}

function analyse(source: LogSource, input: ConfigInput & { sha256: string }, fields: Fields): PipelineVerdict[] {
  if (input.args) {
    if (source.kind !== 'vllm') return unknownConfig(`args are vLLM server arguments; a ${source.kind} source takes a config file`);
    return analyseVllm(input.args.map((value, i) => ({ value, line: i + 1 })));
  }
  const text = input.text;
  if (text.includes('\u0000')) return unknownConfig(`${input.location} is a binary file, not a ${source.kind} config`);
  switch (source.kind) {
    case 'otel-collector':
      return analyseOtelCollector(text, fields.promptAttributes);
    case 'fluent-bit':
      return analyseFluentBit(text, fields.promptFields);
    case 'vector':
      return analyseVector(text, /\.toml$/i.test(input.location) ? 'toml' : 'yaml', fields.promptFields);
    case 'litellm':
      return analyseLitellm(text);
    case 'nginx':
      return analyseNginx(text);
    case 'vllm': {
      const args = source.argsFile ? splitArgsFile(text) : vllmYamlArgs(text);
      return 'problem' in args ? unknownConfig(args.problem) : analyseVllm(args);
    }
  }
}
