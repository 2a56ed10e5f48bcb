import { createReadStream } from 'node:fs';
import { glob, stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { defineCollector, type Finding, type JsonObject } from '../../src/collector/contract.js';

export interface RequiredPolicy {
  id: string;
  /** Glob on the file's base name; by default the id must appear in it. */
  pattern?: string;
}

export interface PolicyDocumentsOptions {
  paths: string[];
  required: (string | RequiredPolicy)[];
}

export const DEFAULT_REQUIRED = ['access-control', 'data-retention', 'incident-response', 'model-governance'];

interface Document {
  path: string;
  sha256: string;
  size: number;
  modifiedAt: string;
}

async function describe(file: string, configDir: string): Promise<Document> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const info = await stat(file);
  return { path: relative(configDir, file).split('\\').join('/'), sha256: hash.digest('hex'), size: info.size, modifiedAt: info.mtime.toISOString() };
}

/** `Access_Control Policy.md` -> `access-control-policy-md`, so ids match however a file is named. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function matches(policy: RequiredPolicy, file: string): boolean {
  const name = basename(file);
  return policy.pattern ? (globToRegExp(policy.pattern).test(name)) : slug(name).includes(slug(policy.id));
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

export default defineCollector<PolicyDocumentsOptions>({
  type: 'policy-documents',
  version: '1.0.0',
  description: 'Fingerprints policy documents and checks that the required policies exist and are not empty.',
  controls: ['CC1.4', 'CC2.2', 'CC5.3'],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['paths'],
    properties: {
      paths: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      required: {
        type: 'array',
        default: DEFAULT_REQUIRED,
        items: {
          oneOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              additionalProperties: false,
              required: ['id'],
              properties: { id: { type: 'string', minLength: 1 }, pattern: { type: 'string', minLength: 1 } },
            },
          ],
        },
      },
    },
  },

  async *collect(ctx) {
    const findings: Finding[] = [];
    const files = new Set<string>();
    for (const pattern of ctx.options.paths) {
      let matched = 0;
      for await (const file of glob(pattern, { cwd: ctx.configDir })) {
        const full = resolve(ctx.configDir, file);
        if ((await stat(full)).isFile()) {
          files.add(full);
          matched++;
        }
      }
      if (matched === 0) findings.push({ code: 'path-matched-nothing', severity: 'medium', message: `no file matches ${pattern}`, ref: pattern });
    }
    ctx.signal.throwIfAborted();
    const sorted = [...files].sort();
    const documents = await Promise.all(sorted.map((f) => describe(f, ctx.configDir)));

    const required = ctx.options.required.map((r) => (typeof r === 'string' ? { id: r } : r));
    const coverage = required.map((policy) => {
      const doc = documents.find((d, i) => matches(policy, sorted[i]!));
      if (!doc) {
        findings.push({ code: 'policy-missing', severity: 'high', message: `no document for the required ${policy.id} policy`, ref: policy.id });
      } else if (doc.size === 0) {
        findings.push({ code: 'policy-empty', severity: 'high', message: `the ${policy.id} policy (${doc.path}) is empty`, ref: doc.path });
      }
      return { id: policy.id, document: doc?.path ?? null };
    });

    const missing = findings.filter((f) => f.code !== 'path-matched-nothing').length;
    yield {
      subject: { kind: 'policy-set', id: ctx.id },
      status: missing === 0 ? 'pass' : 'fail',
      summary:
        missing === 0
          ? `All ${required.length} required policies are present among ${documents.length} fingerprinted documents.`
          : `${missing} of ${required.length} required policies are missing or empty among ${documents.length} documents.`,
      findings,
      data: { documents, required: coverage } as unknown as JsonObject,
    };
  },
});
