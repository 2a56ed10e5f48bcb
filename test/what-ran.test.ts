import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputFileOptions } from '../src/collector/input-files.js';
import { redactedConfig } from '../src/config/redact.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { runCli } from './helpers/cli.js';
import { filesUnder, tempDir } from './helpers/tmp.js';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A collector module of the operator's own whose `ledger` option is an input file, as its schema says. */
const MODULE = `export default {
  type: 'ledgered',
  version: '1.0.0',
  controls: ['CC8.1'],
  optionsSchema: {
    type: 'object', additionalProperties: false, required: ['ledger'],
    properties: { ledger: { type: 'string', 'x-evidence-input': 'file' }, label: { type: 'string' }, apiToken: { type: 'string' } },
  },
  payloadSchema: { type: 'object' },
  async *collect(ctx) {
    yield { subject: { kind: 'ledger', id: 'l' }, status: 'pass', summary: 'Read.', data: {} };
  },
};
`;

async function records(store: string, stream: string): Promise<EvidenceRecord[]> {
  const files = (await filesUnder(store)).filter((f) => f.startsWith(`records/${stream}/`)).sort((a, b) => a.slice(-17).localeCompare(b.slice(-17)));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(store, f), 'utf8')) as EvidenceRecord));
}

describe('what ran', () => {
  it('records state the resolved config, every input file and the build; a config-change record is written once per change', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ledgered.mjs'), MODULE);
    await writeFile(join(dir, 'ledger.yaml'), '- { name: ranker, digest: aaa }\n');
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      `${[
        'agent: { id: edge-1 }',
        'store: { url: file:./evidence }',
        'collectors:',
        '  - { id: models, use: ./ledgered.mjs, options: { ledger: ./ledger.yaml, label: "team ${TEAM_LABEL}", apiToken: plain-but-secret } }',
      ].join('\n')}\n`,
    );
    const env = { LOG_LEVEL: 'warn', TEAM_LABEL: 'kestrel-7731', EVIDENCE_AGENT_IMAGE_DIGEST: `registry.example/evidence-agent@sha256:${'b'.repeat(64)}` };
    const store = join(dir, 'evidence');
    const snap = () => runCli(['snapshot', '--config', config], { env });

    expect((await snap()).code).toBe(0);
    const [record] = await records(store, 'edge-1/models');
    expect(record!.agent.configSha256).toBe(sha256(await readFile(config)));
    expect(record!.agent.resolvedConfigSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record!.agent.inputs).toEqual([
      { at: 'collectors[0].use', path: './ledgered.mjs', sha256: sha256(MODULE) },
      { at: 'collectors[0].options.ledger', path: './ledger.yaml', sha256: sha256('- { name: ranker, digest: aaa }\n') },
    ]);
    expect(record!.agent.build?.image).toBe(`sha256:${'b'.repeat(64)}`);
    // Run from this checkout.
    expect(record!.agent.build?.commit).toMatch(/^[0-9a-f]{40}$/);

    let changes = await records(store, 'edge-1/agent');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.subject).toEqual({ kind: 'agent-config', id: 'edge-1' });
    expect(changes[0]!.data).toMatchObject({ notice: 'config-change', resolvedConfigSha256: record!.agent.resolvedConfigSha256, previous: null });
    const attached = changes[0]!.attachments.find((a) => a.name === 'config.json')!;
    const configJson = await readFile(join(store, attached.key), 'utf8');
    expect(sha256(configJson)).toBe(record!.agent.resolvedConfigSha256);
    expect(configJson).not.toContain('kestrel-7731');
    expect(configJson).not.toContain('plain-but-secret');
    expect(JSON.parse(configJson).collectors[0].options).toEqual({
      ledger: './ledger.yaml',
      label: 'team [redacted: ${TEAM_LABEL}]',
      apiToken: '[redacted]',
    });

    // The same config again: nothing changed, no record.
    expect((await snap()).code).toBe(0);
    expect(await records(store, 'edge-1/agent')).toHaveLength(1);

    // The ledger changes, the config file does not: what ran changed all the same.
    await writeFile(join(dir, 'ledger.yaml'), '- { name: ranker, digest: bbb }\n');
    expect((await snap()).code).toBe(0);
    changes = await records(store, 'edge-1/agent');
    expect(changes).toHaveLength(2);
    expect(changes[1]!.data).toMatchObject({ previous: { seq: 0, hash: changes[0]!.hash } });
    expect((await records(store, 'edge-1/models')).at(-1)!.agent.inputs![1]!.sha256).toBe(sha256('- { name: ranker, digest: bbb }\n'));

    // A config edit: one more record; the store verifies, the Python verifier's reading of the schema included.
    await writeFile(config, (await readFile(config, 'utf8')).replace('team ', 'squad '));
    expect((await snap()).code).toBe(0);
    expect(await records(store, 'edge-1/agent')).toHaveLength(3);
    expect((await runCli(['verify', '--store', `file:${store}`])).code).toBe(0);
  });

  it('a collector may not write config-change records, and no collector may take the id "agent"', async () => {
    const dir = await tempDir();
    const config = join(dir, 'agent.yaml');
    await writeFile(config, 'store: { url: file:./evidence }\ncollectors:\n  - { id: agent, use: policy-documents, options: { paths: [x.md] } }\n');
    const out = await runCli(['snapshot', '--config', config]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('collectors[0].id: "agent" is reserved');
  });
});

describe('redactedConfig', () => {
  it('names the variable a value came from, hides secret-named keys, and writes $${ as ${', () => {
    expect(
      redactedConfig({
        store: { url: 's3://${BUCKET}/prod' },
        signing: { key: 'keys/checkpoint.pem', keyEnv: 'SIGNING_PEM' },
        options: { password: 'hunter2', secretAccessKey: 'x', publicKeys: ['a.pem'], literal: 'cost $${5}', nested: { authToken: { a: 1 } } },
      }),
    ).toEqual({
      store: { url: 's3://[redacted: ${BUCKET}]/prod' },
      signing: { key: '[redacted]', keyEnv: 'SIGNING_PEM' },
      options: { password: '[redacted]', secretAccessKey: '[redacted]', publicKeys: ['a.pem'], literal: 'cost ${5}', nested: { authToken: '[redacted]' } },
    });
  });
});

describe('inputFileOptions', () => {
  it('finds annotated strings and array items through properties, branches and $ref, and leaves URLs out', () => {
    const schema = {
      $defs: { file: { type: 'string', 'x-evidence-input': 'file' } },
      type: 'object',
      properties: {
        ledger: { $ref: '#/$defs/file' },
        verify: { type: 'object', properties: { publicKeys: { type: 'array', items: { type: 'string', 'x-evidence-input': 'file' } } } },
        remote: { anyOf: [{ type: 'string', 'x-evidence-input': 'file' }] },
        name: { type: 'string' },
      },
    };
    expect(inputFileOptions(schema, { ledger: 'l.yaml', verify: { publicKeys: ['a.pem', 'b.pem'] }, remote: 's3://b/x', name: 'n' })).toEqual([
      { path: ['ledger'], file: 'l.yaml' },
      { path: ['verify', 'publicKeys', 0], file: 'a.pem' },
      { path: ['verify', 'publicKeys', 1], file: 'b.pem' },
    ]);
  });
});
