import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { inputFileOptions } from '../collector/input-files.js';
import type { CollectorInstance } from '../collector/runner.js';
import type { AgentConfig } from '../config/load.js';
import { formatPath } from '../json-schema.js';
import { AGENT_VERSION } from '../package-root.js';
import { canonicalize } from '../record/canonical-json.js';
import type { AgentInfo, InputFile } from '../record/types.js';
import { buildIdentity } from './build-identity.js';

async function fileSha256(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return null;
  }
  return hash.digest('hex');
}

/** A `use:` that names a module file rather than a built-in type or an npm package. */
function isModulePath(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || use.startsWith('file:') || isAbsolute(use);
}

/**
 * Every file the config points to as input, hashed now: each collector module named by path, and each option
 * its collector's options schema marks as an input file (`x-evidence-input`). `instances` are the prepared
 * collectors (checked options, defaults filled in); entries without one contribute their module only.
 */
export async function inputFiles(config: AgentConfig, instances: readonly CollectorInstance[]): Promise<InputFile[]> {
  const found: { at: string; path: string }[] = [];
  config.collectors.forEach((entry, i) => {
    if (isModulePath(entry.use)) found.push({ at: formatPath(['collectors', i, 'use']), path: entry.use });
    const instance = instances.find((c) => c.id === entry.id);
    if (!instance) return;
    for (const { path, file } of inputFileOptions(instance.collector.optionsSchema, instance.options)) {
      found.push({ at: formatPath(['collectors', i, 'options', ...path]), path: file });
    }
  });
  return Promise.all(
    found.map(async ({ at, path }) => {
      const file = path.startsWith('file:') ? new URL(path).pathname : resolve(config.dir, path);
      return { at, path, sha256: await fileSha256(file) };
    }),
  );
}

/** What every record states about the agent that wrote it: who, which config (raw and resolved), which inputs, which build. */
export async function agentInfo(config: AgentConfig, instances: readonly CollectorInstance[]): Promise<AgentInfo> {
  const build = await buildIdentity();
  return {
    id: config.agent.id,
    version: AGENT_VERSION,
    host: hostname(),
    configSha256: config.sha256,
    resolvedConfigSha256: config.resolvedSha256,
    inputs: await inputFiles(config, instances),
    ...(Object.keys(build).length > 0 ? { build } : {}),
  };
}

/** The hash compared to tell that what ran changed: the resolved config and the input files, not the host or the build. */
export function effectiveSha256(agent: Pick<AgentInfo, 'resolvedConfigSha256' | 'inputs'>): string {
  return createHash('sha256')
    .update(canonicalize({ inputs: agent.inputs ?? [], resolvedConfigSha256: agent.resolvedConfigSha256 ?? null }), 'utf8')
    .digest('hex');
}
