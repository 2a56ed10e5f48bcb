import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtins } from '../collectors/index.js';
import { prepareCollectors } from '../src/agent/collectors.js';
import { ConfigError } from '../src/config/errors.js';
import { configPathFrom, loadConfig } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { tempDir } from './helpers/tmp.js';

async function configFile(text: string): Promise<string> {
  const file = join(await tempDir(), 'agent.yaml');
  await writeFile(file, text);
  return file;
}

async function configError(text: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const file = await configFile(text);
  const err = await loadConfig(file, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('config', () => {
  it('loads a valid file with defaults, resolving against its folder', async () => {
    const file = await configFile('collectors:\n  - { id: p, use: policy-documents, options: { paths: [x] } }\n');
    const config = await loadConfig(file, {});
    expect(config.store.url).toBe('file:./evidence');
    expect(config.dir).toBe(join(file, '..'));
    expect(config.agent.id).toMatch(/^[A-Za-z0-9]/);
    expect(config.runner.concurrency).toBe(4);
    expect(config.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the file, line and path of an unknown key', async () => {
    const err = await configError('agent: { id: a }\ncollectors:\n  - id: p\n    use: policy-documents\n    timeout: 5\n');
    expect(err.message).toMatch(/agent\.yaml:5: collectors\[0\]\.timeout: unknown key/);
  });

  it('names the key of a value of the wrong type', async () => {
    const err = await configError('collectors:\n  - id: p\n    use: policy-documents\n    timeoutSeconds: soon\n');
    expect(err.message).toMatch(/agent\.yaml:4: collectors\[0\]\.timeoutSeconds: must be number/);
  });

  it('reports a missing file and says how to point at another', async () => {
    const err = (await loadConfig('/nonexistent/evidence-agent.yaml').catch((e: unknown) => e)) as ConfigError;
    expect(err.message).toMatch(/\/nonexistent\/evidence-agent\.yaml: file not found; pass --config <file> or set EVIDENCE_AGENT_CONFIG/);
  });

  it('reports YAML syntax errors with their line', async () => {
    const err = await configError('collectors:\n  - id: p\n   use: [unclosed\n');
    expect(err.message).toMatch(/agent\.yaml:\d+: YAML syntax/);
  });

  it('interpolates ${ENV} and names the key whose variable is unset', async () => {
    const text = 'agent: { id: "${AGENT_ID}" }\nstore: { url: "file:$${HOME}" }\ncollectors: []\n';
    const config = await loadConfig(await configFile(text), { AGENT_ID: 'from-env' });
    expect(config.agent.id).toBe('from-env');
    expect(config.store.url).toBe('file:${HOME}');
    const err = await configError(text);
    expect(err.message).toMatch(/agent\.yaml:1: agent\.id: environment variable AGENT_ID is not set/);
  });

  it('refuses duplicate collector ids and a missing collectors list', async () => {
    const dup = await configError('collectors:\n  - { id: p, use: a }\n  - { id: p, use: b }\n');
    expect(dup.message).toMatch(/:3: collectors\[1\]\.id: "p" is already the id of collectors\[0\]/);
    const none = await configError('agent: { id: a }\n');
    expect(none.message).toMatch(/must have required property 'collectors'/);
  });

  it('checks collector options against the collector schema, naming collector, option and line', async () => {
    const file = await configFile('collectors:\n  - id: pol\n    use: policy-documents\n    options:\n      paths: docs/*.md\n      colour: blue\n');
    const err = (await prepareCollectors(await loadConfig(file, {}), builtins.catalog).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/agent\.yaml:5: collectors\[0\]\.options\.paths: collector pol \(policy-documents\): must be array/);
    expect(err.message).toMatch(/agent\.yaml:6: collectors\[0\]\.options\.colour: collector pol \(policy-documents\): unknown key/);
  });

  it('lets a collector act on what it observes only where the entry says allowDrills, or the snapshot was given --allow-drills', async () => {
    const file = await configFile('collectors:\n  - { id: a, use: evidence-store, allowDrills: true }\n  - { id: b, use: evidence-store }\n');
    const config = await loadConfig(file, {});
    expect((await prepareCollectors(config, builtins.catalog)).map((i) => [i.id, i.drillsAllowed])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect((await prepareCollectors(config, builtins.catalog, undefined, 'allowed')).every((i) => i.drillsAllowed)).toBe(true);
  });

  it('names an unknown collector type with the built-ins to choose from', async () => {
    const file = await configFile('collectors:\n  - { id: x, use: no-such-collector }\n');
    const err = (await prepareCollectors(await loadConfig(file, {}), builtins.catalog).catch((e: unknown) => e)) as ConfigError;
    expect(err.message).toMatch(/agent\.yaml:2: collectors\[0\]\.use: cannot load collector "no-such-collector".*policy-documents/);
  });

  it('fills option defaults and rejects --only ids that do not exist', async () => {
    const file = await configFile('collectors:\n  - { id: pol, use: policy-documents, options: { paths: [a] } }\n');
    const config = await loadConfig(file, {});
    const [inst] = await prepareCollectors(config, builtins.catalog);
    expect(inst!.options).toMatchObject({ required: ['access-control', 'data-retention', 'incident-response', 'model-governance'] });
    expect(inst!.timeoutMs).toBe(300_000);
    await expect(prepareCollectors(config, builtins.catalog, ['nope'])).rejects.toThrow(/no collector with id "nope"/);
  });

  it('finds the config from the flag, then the environment, then the default name', () => {
    expect(configPathFrom('/a.yaml', { EVIDENCE_AGENT_CONFIG: '/b.yaml' })).toBe('/a.yaml');
    expect(configPathFrom(undefined, { EVIDENCE_AGENT_CONFIG: '/b.yaml' })).toBe('/b.yaml');
    expect(configPathFrom(undefined, {})).toBe(join(process.cwd(), 'evidence-agent.yaml'));
  });

  it('takes exactly one way of signing', async () => {
    const err = await configError('signing: { key: a.pem, keyEnv: K }\ncollectors: []\n');
    expect(err.message).toMatch(/agent\.yaml:1: signing: must NOT have more than 1 properties/);
    const ok = await loadConfig(await configFile('signing: { keyEnv: K }\ncollectors: []\n'), {});
    expect(ok.signing).toEqual({ keyEnv: 'K' });
  });

  it('names the store key that is wrong', async () => {
    const err = await configError('store: { url: "s3://b/p", retention: { mode: GOVERNANCE } }\ncollectors: []\n');
    expect(err.message).toMatch(/:1: store\.retention\.mode: must be equal to constant/);
  });
});

describe('config/config.schema.json', () => {
  it('is the schema the loader checks with, written out for editors (npm run config-schema)', async () => {
    const file = await readFile(new URL('../config/config.schema.json', import.meta.url), 'utf8');
    expect(file).toBe(`${JSON.stringify(configSchema, null, 2)}\n`);
  });
});
