import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import cron from 'node-cron';
import { type Alias, type Document, LineCounter, parseDocument, visit } from 'yaml';
import type { WitnessSettings } from '../checkpoint/witness-settings.js';
import type { JsonValue } from '../json.js';
import { createAjv, type PathSegment, schemaProblems } from '../json-schema.js';
import { canonicalize } from '../record/canonical-json.js';
import type { SigningSettings } from '../signing/settings.js';
import { fileStoreRoot } from '../store/file-store.js';
import type { StoreSettings } from '../store/settings.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { interpolateEnv } from './interpolate.js';
import { redactedConfig } from './redact.js';
import { type CollectorEntry, configSchema, type RawConfig } from './schema.js';
import { lineOf } from './yaml-locator.js';

export type { CollectorEntry, SigningSettings, StoreSettings };

export const DEFAULT_CONFIG_FILE = 'evidence-agent.yaml';
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_LISTEN = '127.0.0.1:9464';
/** The collector id, and so the stream `<agentId>/agent`, of the agent's own records about itself (config changes). */
export const AGENT_STREAM_ID = 'agent';

export interface AgentConfig {
  file: string;
  dir: string;
  /** SHA-256 of the file's bytes, recorded in every record so an auditor can tell which config produced it. */
  sha256: string;
  agent: { id: string };
  store: StoreSettings;
  signing: SigningSettings | null;
  /** Where each signed checkpoint is also pushed, a location the auditor controls. */
  witness: WitnessSettings | null;
  /** The config as run, after `${ENV}` substitution, with secret values redacted (see redactedConfig): stored as evidence on a change. */
  resolved: JsonValue;
  /** SHA-256 (hex) of the RFC 8785 form of `resolved`. */
  resolvedSha256: string;
  server: { listen: string };
  runner: { concurrency: number };
  collectors: CollectorEntry[];
  /** The line of a key in the file, for errors found after loading (collector options). */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

const validateConfig = createAjv().compile(configSchema);

export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.EVIDENCE_AGENT_CONFIG ?? DEFAULT_CONFIG_FILE);
}

function defaultAgentId(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '') || 'agent'
  );
}

/** How far aliases may expand: the yaml package's own default, named here for the message. */
const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain values. Aliases that expand beyond MAX_ALIAS_COUNT nodes (an alias bomb: a few
 * hundred bytes that would expand to billions of strings) are a config error, on the line of the first
 * alias that alone expands that far (else of the first alias: many uses of one anchor add up too).
 */
function toPlainValues(doc: Document, counter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const aliases: Alias[] = [];
    visit(doc, { Alias: (_key, node) => void aliases.push(node) });
    const expandsTooFar = (alias: Alias) => {
      try {
        alias.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
        return false;
      } catch {
        return true;
      }
    };
    const tooMany = /alias count/i.test((err as Error).message);
    const culprit = tooMany ? (aliases.find(expandsTooFar) ?? aliases[0]) : undefined;
    throw new ConfigError(file, [
      culprit
        ? {
            path: [],
            line: culprit.range ? counter.linePos(culprit.range[0]).line : undefined,
            message: `YAML aliases expand beyond ${MAX_ALIAS_COUNT} nodes here, which only an alias bomb needs; write the repeated values out instead of nesting aliases`,
          }
        : { path: [], message: `YAML: ${(err as Error).message}` },
    ]);
  }
}

/** Reads, interpolates and validates a YAML config; every problem names the file, line and key. */
/** node-cron only finds a bad zone when a task starts, and then throws: check it with the same Intl API up front. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<AgentConfig> {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? 'file not found; pass --config <file> or set EVIDENCE_AGENT_CONFIG' : (err as Error).message;
    throw new ConfigError(file, [{ path: [], message: hint }]);
  }
  const counter = new LineCounter();
  const doc = parseDocument(bytes.toString('utf8'), { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: [],
        line: e.linePos?.[0].line,
        message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const locate = (p: readonly PathSegment[]) => lineOf(doc, counter, p);
  const problems: ConfigProblem[] = [];
  const plain = toPlainValues(doc, counter, file);
  const value = interpolateEnv(plain, env, problems);
  if (!validateConfig(value)) problems.push(...schemaProblems(validateConfig.errors));
  if (problems.length === 0) {
    const seen = new Map<string, number>();
    (value as RawConfig).collectors.forEach((c, i) => {
      const first = seen.get(c.id);
      if (first !== undefined)
        problems.push({ path: ['collectors', i, 'id'], message: `"${c.id}" is already the id of collectors[${first}]; ids must be unique` });
      seen.set(c.id, i);
      if (c.id === AGENT_STREAM_ID)
        problems.push({
          path: ['collectors', i, 'id'],
          message: `"${AGENT_STREAM_ID}" is reserved: the stream <agent.id>/${AGENT_STREAM_ID} holds the agent's own config-change records; choose another id`,
        });
      if (c.schedule !== undefined && c.cadence !== undefined)
        problems.push({
          path: ['collectors', i, 'cadence'],
          message:
            'set either schedule or cadence, not both: records of a scheduled collector state its schedule and timezone as their cadence; remove cadence (or remove schedule if it runs only in snapshots)',
        });
      // Checked here, not only by the daemon: a snapshot's records state the schedule and zone too, and auditors read them.
      if (c.schedule !== undefined && !cron.validate(c.schedule))
        problems.push({ path: ['collectors', i, 'schedule'], message: `"${c.schedule}" is not a cron expression` });
      if (c.timezone !== undefined && !isTimeZone(c.timezone))
        problems.push({ path: ['collectors', i, 'timezone'], message: `"${c.timezone}" is not a time zone; use an IANA name such as Europe/Paris` });
    });
    const storeUrl = (value as RawConfig).store?.url;
    if (storeUrl?.startsWith('file:')) {
      try {
        fileStoreRoot(storeUrl, dirname(file));
      } catch (err) {
        problems.push({ path: ['store', 'url'], message: (err as Error).message });
      }
    }
  }
  if (problems.length > 0)
    throw new ConfigError(
      file,
      problems.map((p) => ({ ...p, line: p.line ?? locate(p.path) })),
    );

  const raw = value as RawConfig;
  const resolved = redactedConfig(plain as JsonValue);
  return {
    file,
    dir: dirname(file),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    agent: { id: raw.agent?.id ?? defaultAgentId() },
    store: raw.store ?? { url: 'file:./evidence' },
    signing: raw.signing ?? null,
    witness: raw.witness ?? null,
    resolved,
    resolvedSha256: createHash('sha256').update(canonicalize(resolved), 'utf8').digest('hex'),
    server: { listen: raw.server?.listen ?? DEFAULT_LISTEN },
    runner: { concurrency: raw.runner?.concurrency ?? DEFAULT_CONCURRENCY },
    collectors: raw.collectors,
    lineOf: locate,
  };
}
