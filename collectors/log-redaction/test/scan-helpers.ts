import { createHmac } from 'node:crypto';
import type { ScanOptions, ScanResult } from '../observe/scan/types.js';

export const KEY = Buffer.alloc(32, 7);

/** Secrets planted in the test logs, by kind; none may appear in a result or an error. */
export const PLANTED = {
  email: 'jane.doe+billing@example-corp.com',
  openai: 'sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr678',
  anthropic: 'sk-ant-api03-ZYXwvu987TSRqpo654NMLkji321HGFedc',
  legacy: 'sk-9f8e7d6c5b4a39281716f5e4d3c2b1a0ffeeddcc',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  awsSession: 'ASIAJEXAMPLEXEG2JICE',
  bearer: 'opaqueToken_0123456789abcdefXYZ',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  card: '4111 1111 1111 1111',
  amex: '378282246310005',
  internal: 'acme_0123456789abcdefghijklmnopqrstuv',
  prompt: 'Summarise the merger memo for Project Falcon',
  completion: 'The merger closes on the ninth of March',
  plainPrompt: 'What is the capital of Atlantis',
} as const;

export const hmac = (text: string) => createHmac('sha256', KEY).update(text).digest('hex');

/** How many planted values occur in a text: a count, so that a failing test does not print them. */
export function plantedIn(text: string): number {
  return Object.values(PLANTED).filter((v) => text.includes(v) || text.includes(v.replace(/ /g, ''))).length;
}

export function options(overrides: Partial<ScanOptions> = {}): ScanOptions {
  return {
    promptFields: ['prompt', 'messages', 'completion', 'response', 'gen_ai.prompt', 'gen_ai.completion'],
    patterns: [{ name: 'internal-token', regex: 'acme_[A-Za-z0-9]{32}' }],
    sampleLines: 0,
    seed: 'test',
    key: KEY,
    resolvePath: (p) => p,
    settings: {},
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Hits as [line, kind, field?] triples, for compact expectations. */
export const where = (r: ScanResult) => r.hits.map((h) => (h.field ? [h.line, h.kind, h.field] : [h.line, h.kind]));
