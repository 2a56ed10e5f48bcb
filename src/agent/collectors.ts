import { type CollectorCatalog, checkOptions, loadCollector } from '../collector/registry.js';
import type { AnyCollector, CollectorInstance } from '../collector/runner.js';
import { ConfigError, type ConfigProblem } from '../config/errors.js';
import { type AgentConfig, type CollectorEntry, DEFAULT_TIMEOUT_SECONDS } from '../config/load.js';
import type { PathSegment } from '../json-schema.js';
import type { RecordCadence } from '../record/types.js';

/** What an entry's records state as their cadence: its schedule in its time zone, else its `cadence`, else nothing. */
export function entryCadence(entry: CollectorEntry): RecordCadence | undefined {
  if (entry.schedule !== undefined) return { schedule: entry.schedule, timezone: entry.timezone ?? 'UTC' };
  if (entry.cadence !== undefined) return { every: entry.cadence };
  return undefined;
}

/**
 * Loads every collector a config names and checks its options against the
 * collector's schema, so a bad option stops the agent before anything runs.
 */
export async function prepareCollectors(
  config: AgentConfig,
  catalog: CollectorCatalog,
  only?: readonly string[],
  drills: 'from-config' | 'allowed' = 'from-config',
): Promise<CollectorInstance[]> {
  const problems: ConfigProblem[] = [];
  const problem = (path: PathSegment[], message: string) => problems.push({ path, message, line: config.lineOf(path) });
  const known = new Set(config.collectors.map((c) => c.id));
  for (const id of only ?? []) if (!known.has(id)) problem(['collectors'], `no collector with id "${id}" (have: ${[...known].join(', ')})`);

  const instances: CollectorInstance[] = [];
  for (const [i, entry] of config.collectors.entries()) {
    if (only && !only.includes(entry.id)) continue;
    let collector: AnyCollector;
    try {
      collector = await loadCollector(entry.use, config.dir, catalog);
    } catch (err) {
      problem(['collectors', i, 'use'], (err as Error).message);
      continue;
    }
    const { options, problems: optionProblems } = checkOptions(collector, entry.options);
    for (const p of optionProblems) problem(['collectors', i, ...p.path], `collector ${entry.id} (${collector.type}): ${p.message}`);
    instances.push({
      id: entry.id,
      collector,
      options,
      controls: entry.controls ?? collector.controls,
      timeoutMs: (entry.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      drillsAllowed: drills === 'allowed' || entry.allowDrills === true,
      cadence: entryCadence(entry),
    });
  }
  if (problems.length > 0) throw new ConfigError(config.file, problems);
  return instances;
}
