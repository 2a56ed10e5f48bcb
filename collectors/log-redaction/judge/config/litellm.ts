import { type PipelineVerdict, unknownConfig } from '../verdict.js';
import { child, keyNode, parseLinedYaml, scalars, scalarValue } from './yaml-lines.js';

/**
 * LiteLLM proxy config: each logging callback (`callbacks`, `success_callback`,
 * `failure_callback`) receives messages unless
 * `litellm_settings.turn_off_message_logging` is true, when LiteLLM redacts
 * them first; prompts stored in spend logs and verbose logging are routes too.
 */
export function analyseLitellm(text: string): PipelineVerdict[] {
  const parsed = parseLinedYaml(text);
  if ('problem' in parsed) return unknownConfig(parsed.problem);
  const root = parsed.doc.contents;
  const settings = child(root, 'litellm_settings');
  const general = child(root, 'general_settings');
  if (!settings && !general && !child(root, 'model_list'))
    return unknownConfig('no litellm_settings, general_settings or model_list: not a LiteLLM proxy config');
  const line = (node: unknown) => parsed.lineOf(node);
  const off = scalarValue(child(settings, 'turn_off_message_logging')) === true;
  const offLine = line(keyNode(settings, 'turn_off_message_logging'));
  const verdicts: PipelineVerdict[] = [];
  for (const key of ['callbacks', 'success_callback', 'failure_callback']) {
    for (const cb of scalars(child(settings, key))) {
      const pipeline = `callback ${cb.value}`;
      if (verdicts.some((v) => v.pipeline === pipeline)) continue;
      verdicts.push(
        off
          ? {
              pipeline,
              verdict: 'redacts',
              reason: `turn_off_message_logging is true: ${cb.value} gets messages redacted`,
              lines: [line(cb.node) ?? 0, offLine ?? 0],
            }
          : {
              pipeline,
              verdict: 'passes-prompts',
              reason: `${cb.value} receives messages: litellm_settings.turn_off_message_logging is ${offLine ? 'false' : 'not set'}`,
              lines: [line(cb.node) ?? 0, ...(offLine ? [offLine] : [])],
            },
      );
    }
  }
  const spend = keyNode(general, 'store_prompts_in_spend_logs');
  if (spend) {
    const on = scalarValue(child(general, 'store_prompts_in_spend_logs')) === true;
    verdicts.push({
      pipeline: 'spend logs',
      verdict: on ? 'passes-prompts' : 'drops',
      reason: on ? 'general_settings.store_prompts_in_spend_logs is true: prompts are stored in the database' : 'store_prompts_in_spend_logs is false',
      lines: [line(spend) ?? 0],
    });
  }
  const verbose = keyNode(settings, 'set_verbose');
  if (verbose && scalarValue(child(settings, 'set_verbose')) === true) {
    verdicts.push({
      pipeline: 'proxy log',
      verdict: 'passes-prompts',
      reason: 'litellm_settings.set_verbose is true: requests are printed to the proxy log',
      lines: [line(verbose) ?? 0],
    });
  }
  if (verdicts.length === 0) {
    verdicts.push({
      pipeline: 'callbacks',
      verdict: 'drops',
      reason: 'no logging callback is configured: messages are sent to no logger',
      lines: [line(keyNode(root, 'litellm_settings')) ?? 0].filter((l) => l > 0),
    });
  }
  return verdicts.map((v) => ({ ...v, lines: v.lines.filter((l) => l > 0).sort((a, b) => a - b) }));
}
