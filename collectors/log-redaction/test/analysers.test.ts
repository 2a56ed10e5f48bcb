import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { analyseFluentBit } from '../judge/config/fluent-bit.js';
import { analyseLitellm } from '../judge/config/litellm.js';
import { analyseNginx } from '../judge/config/nginx.js';
import { analyseOtelCollector } from '../judge/config/otel-collector.js';
import { analyseVector } from '../judge/config/vector.js';
import { analyseVllm, splitArgsFile, vllmYamlArgs } from '../judge/config/vllm.js';
import type { PipelineVerdict } from '../judge/verdict.js';

const fixture = (path: string) => readFile(new URL(`fixtures/${path}`, import.meta.url), 'utf8');
const ATTRS = ['gen_ai.prompt', 'gen_ai.completion', 'gen_ai.input.messages', 'gen_ai.output.messages', 'llm.prompts'];
const FIELDS = ['prompt', 'messages', 'completion', 'response', 'gen_ai.prompt', 'gen_ai.completion'];
const brief = (vs: PipelineVerdict[]) => vs.map((v) => [v.pipeline, v.verdict, v.lines]);

describe('OpenTelemetry Collector', () => {
  it('judges each logs and traces pipeline with an exporter from its processors, with the deciding lines', async () => {
    expect(brief(analyseOtelCollector(await fixture('otel-collector/redacting.yaml'), ATTRS))).toEqual([
      ['traces', 'drops', [18, 44, 46, 47]],
      ['logs', 'redacts', [27, 29, 31, 33, 48, 50, 51]],
    ]);
  });

  it('finds a pipeline that skips the redaction processor, and one that masks only some attributes', async () => {
    const verdicts = analyseOtelCollector(await fixture('otel-collector/leaky.yaml'), ATTRS);
    expect(verdicts.map((v) => [v.pipeline, v.verdict])).toEqual([
      ['traces', 'passes-prompts'],
      ['logs', 'passes-prompts'],
    ]);
    expect(verdicts[0]!.reason).toBe('gen_ai.completion reach exporter otlp/vendor with nothing removing or masking them');
  });

  it('follows processor order: a later set() from the body puts the prompt back', async () => {
    const [logs] = analyseOtelCollector(await fixture('otel-collector/order.yaml'), ['gen_ai.prompt']);
    expect(logs!.verdict).toBe('passes-prompts');
    const reordered = (await fixture('otel-collector/order.yaml')).replace('[attributes/drop, transform/restore]', '[transform/restore, attributes/drop]');
    expect(analyseOtelCollector(reordered, ['gen_ai.prompt'])[0]!.verdict).toBe('drops');
  });

  it('gives unknown with the line for malformed YAML, other files, and undefined processors', async () => {
    const [bad] = analyseOtelCollector(await fixture('otel-collector/malformed.yaml'), ATTRS);
    expect(bad).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/^not valid YAML at line \d+/) });
    expect(analyseOtelCollector('just: a map\n', ATTRS)[0]!.reason).toMatch(/no service.pipelines/);
    expect(analyseOtelCollector('', ATTRS)[0]!.verdict).toBe('unknown');
    const undefinedProcessor = 'service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [redaction]\n      exporters: [debug]\n';
    expect(analyseOtelCollector(undefinedProcessor, ATTRS)[0]).toMatchObject({ verdict: 'unknown', lines: [5] });
  });
});

describe('Fluent Bit', () => {
  it('classic: filters matching the output remove every prompt field', async () => {
    expect(brief(analyseFluentBit(await fixture('fluent-bit/redacting.conf'), FIELDS))).toEqual([
      ['es #1 (match inference.*)', 'drops', [15, 16, 17, 18, 23, 25, 27]],
    ]);
  });

  it('classic: an allowlist covers one route, a second output gets everything', async () => {
    const verdicts = analyseFluentBit(await fixture('fluent-bit/leaky.conf'), FIELDS);
    expect(verdicts.map((v) => [v.pipeline, v.verdict])).toEqual([
      ['s3 #1 (match inference.*)', 'drops'],
      ['stdout #2 (match batch.*)', 'passes-prompts'],
    ]);
  });

  it('YAML: modify remove and set, record_modifier remove_key lists', async () => {
    expect(brief(analyseFluentBit(await fixture('fluent-bit/redacting.yaml'), FIELDS))).toEqual([
      ['loki #1 (match inference.*)', 'redacts', [11, 12, 15, 17, 18]],
    ]);
  });

  it('gives unknown for a malformed file', async () => {
    expect(analyseFluentBit(await fixture('fluent-bit/malformed.conf'), FIELDS)[0]).toMatchObject({
      verdict: 'unknown',
      reason: 'line 3: expected "[SECTION]" or "Key Value"',
    });
  });
});

describe('Vector', () => {
  it('TOML: a remap on the route del()s or redact()s every field', async () => {
    expect(brief(analyseVector(await fixture('vector/redacting.toml'), 'toml', FIELDS))).toEqual([
      ['sink archive', 'redacts', [5, 12, 16, 17, 18, 19, 20, 21, 24]],
    ]);
  });

  it('YAML: a second sink wired before the scrub passes prompts', async () => {
    const verdicts = analyseVector(await fixture('vector/leaky.yaml'), 'yaml', FIELDS);
    expect(verdicts.map((v) => [v.pipeline, v.verdict])).toEqual([
      ['sink archive', 'drops'],
      ['sink console', 'passes-prompts'],
    ]);
    expect(verdicts[1]!.reason).toContain('via parse');
  });

  it('gives unknown for malformed TOML', async () => {
    expect(analyseVector(await fixture('vector/malformed.toml'), 'toml', FIELDS)[0]).toMatchObject({
      verdict: 'unknown',
      reason: expect.stringMatching(/^not valid TOML/),
    });
  });
});

describe('LiteLLM', () => {
  it('redacts for every callback when turn_off_message_logging is true', async () => {
    expect(brief(analyseLitellm(await fixture('litellm/redacting.yaml')))).toEqual([
      ['callback langfuse', 'redacts', [7, 9]],
      ['spend logs', 'drops', [11]],
    ]);
  });

  it('passes prompts to callbacks and spend logs otherwise', async () => {
    expect(analyseLitellm(await fixture('litellm/leaky.yaml')).map((v) => [v.pipeline, v.verdict])).toEqual([
      ['callback otel', 'passes-prompts'],
      ['callback s3', 'passes-prompts'],
      ['spend logs', 'passes-prompts'],
    ]);
  });

  it('gives unknown for malformed YAML', async () => {
    expect(analyseLitellm(await fixture('litellm/malformed.yaml'))[0]!.verdict).toBe('unknown');
  });
});

describe('vLLM', () => {
  it('reads an args file with continuations: request and output logging pass prompts', async () => {
    const args = splitArgsFile(await fixture('vllm/leaky.args'));
    expect(brief(analyseVllm(args as never))).toEqual([
      ['request log', 'passes-prompts', [3, 5]],
      ['output log', 'passes-prompts', [4]],
    ]);
  });

  it('drops by default, and with the deprecated --disable-log-requests; --max-log-len 0 prints none', async () => {
    expect(analyseVllm(splitArgsFile(await fixture('vllm/quiet.args')) as never)[0]!.verdict).toBe('drops');
    expect(analyseVllm([{ value: '--disable-log-requests', line: 1 }])[0]).toMatchObject({ verdict: 'drops', lines: [1] });
    expect(brief(analyseVllm(vllmYamlArgs(await fixture('vllm/config.yaml')) as never))).toEqual([['request log', 'redacts', [3, 4]]]);
    expect(
      analyseVllm([
        { value: '--enable-log-requests', line: 1 },
        { value: '--max-log-len=0', line: 2 },
      ])[0]!.verdict,
    ).toBe('redacts');
  });

  it('reports an unterminated quote', async () => {
    expect(splitArgsFile(await fixture('vllm/malformed.args'))).toEqual({ problem: 'line 1: unterminated quote' });
  });
});

describe('nginx', () => {
  it('flags the access_log whose format holds $request_body, with the format lines', async () => {
    expect(brief(analyseNginx(await fixture('nginx/leaky.conf')))).toEqual([
      ['access_log /var/log/nginx/access.log main (line 15)', 'drops', [5, 15]],
      ['access_log /var/log/nginx/chat.log llm_debug (line 18)', 'passes-prompts', [10, 18]],
    ]);
  });

  it('drops for formats without a body, parameters after the path, and access_log off', async () => {
    expect(analyseNginx(await fixture('nginx/quiet.conf')).map((v) => v.verdict)).toEqual(['drops', 'drops']);
  });

  it('gives unknown for an unterminated quote or block', async () => {
    expect(analyseNginx(await fixture('nginx/malformed.conf'))[0]).toMatchObject({ verdict: 'unknown', reason: 'line 2: unterminated quote' });
    expect(analyseNginx('http {\n  server { listen 80; }\n')[0]!.reason).toMatch(/not closed/);
  });
});
