import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const OTEL = `# Gateway OpenTelemetry Collector: spans and logs keep only the attributes listed.
receivers:
  otlp:
    protocols:
      http:
        endpoint: 0.0.0.0:4318
processors:
  batch: {}
  redaction:
    allow_all_keys: false
    allowed_keys: [gen_ai.system, gen_ai.request.model, gen_ai.usage.input_tokens, gen_ai.usage.output_tokens]
exporters:
  file:
    path: /var/log/otel/export.jsonl
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [redaction, batch]
      exporters: [file]
    logs:
      receivers: [otlp]
      processors: [redaction, batch]
      exporters: [file]
`;

const LITELLM = `model_list:
  - model_name: chat
    litellm_params:
      model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct
      api_base: http://vllm:8000/v1
litellm_settings:
  success_callback: ["otel"]
  turn_off_message_logging: true
`;

const VLLM = `vllm serve meta-llama/Llama-3.1-8B-Instruct \\
  --host 0.0.0.0 --port 8000 \\
  --max-model-len 8192
`;

const NGINX = `events {}
http {
    log_format main '$remote_addr [$time_local] "$request" $status $request_time';
    # Left from debugging the chat endpoint: writes every request body, prompts included.
    log_format debug_body '$remote_addr [$time_local] "$request" $status "$request_body"';
    server {
        listen 443 ssl;
        access_log /var/log/nginx/access.log main;
        location /v1/chat/completions {
            access_log /var/log/nginx/chat.log debug_body;
            proxy_pass http://litellm:4000;
        }
    }
}
`;

/**
 * The demo's small inference stack (nginx in front of LiteLLM in front of
 * vLLM, traced through an OpenTelemetry Collector), its configs and logs. The
 * collector's config redacts prompts, but one exported log line, written by
 * a path the redaction does not cover, holds one: the planted leak.
 */
export async function writeDemoInferenceStack(dir: string, now = new Date()): Promise<void> {
  for (const sub of ['otel', 'litellm', 'vllm', 'nginx', 'logs/otel', 'logs/litellm']) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, 'otel', 'config.yaml'), OTEL);
  await writeFile(join(dir, 'litellm', 'config.yaml'), LITELLM);
  await writeFile(join(dir, 'vllm', 'args'), VLLM);
  await writeFile(join(dir, 'nginx', 'nginx.conf'), NGINX);
  const at = (i: number) => new Date(now.getTime() - (500 - i) * 60_000).toISOString();
  const otel = Array.from({ length: 500 }, (_, i) => {
    const attributes: Record<string, unknown> = { 'gen_ai.system': 'vllm', 'gen_ai.request.model': 'llama-3.1-8b', 'gen_ai.usage.input_tokens': 40 + (i % 50) };
    // The planted leak: a prompt that reached the exporter anyway.
    if (i === 317) attributes['gen_ai.prompt'] = 'Summarise the quarterly churn figures for the board deck.';
    return JSON.stringify({ time: at(i), severity: 'INFO', body: 'chat completion served', attributes });
  });
  await writeFile(join(dir, 'logs', 'otel', 'export.jsonl'), `${otel.join('\n')}\n`);
  const litellm = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({
      time: at(i),
      level: 'INFO',
      message: 'POST /v1/chat/completions 200',
      model: 'chat',
      latency_ms: 180 + (i % 70),
      messages: 'redacted-by-litellm',
    }),
  );
  await writeFile(join(dir, 'logs', 'litellm', 'proxy.jsonl'), `${litellm.join('\n')}\n`);
}
