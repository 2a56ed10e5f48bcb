import { type Framework, UnknownControlError } from '../audit/frameworks.js';
import { findStatedControl, Population, type PopulationQuery, type PopulationUnit } from '../audit/population.js';
import { populationFormatOf, writePopulationFile } from '../audit/population-file.js';
import type { AuditWindow } from '../audit/scan.js';
import type { Logger } from '../log.js';
import type { EvidenceStore } from '../store/types.js';
import { newOutput, withAuditStore } from './audit-store.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { FRAMEWORK_HELP, frameworkOption } from './framework.js';
import { parseWindow } from './window.js';

export const POPULATION_HELP = `
The population is every record that names the control and was observed in the window, in every stream of the store
(notices and error records included: they are occurrences too). With --unit item, each record's items as its
payload schema's x-evidence-items names them (commit-trail: each commit, inline or in its commits.jsonl attachment);
an item's id is <record hash>#<item id>. Each row carries the record's controls as written (SOC 2) and the ids of
--framework they map to (in CSV, separated by ";").

The file starts with {"population": {"query", "rows", "heads"}}: the first line of JSON Lines, or a "# " line of CSV
before the column names. The query holds the framework, the control as the framework spells it and the SOC 2 ids it
selected. heads gives, per stream, its first and last record in the window and the newest checkpoint of its agent
that covers the last one, to test completeness against the store.
${FRAMEWORK_HELP}

Exit codes: 0 written (even when empty, with a warning), 2 usage (unknown --framework or --control, --out exists).
`;

export interface PopulationCliOptions {
  store?: string;
  from?: string;
  to?: string;
  control?: string;
  framework?: string;
  unit?: PopulationUnit;
  out?: string;
}

/**
 * `--control` read in the framework. The framework's list is checked before the store is read; under soc2 an id
 * outside the catalog may be a third-party collector's own, accepted when a record of the window states it.
 */
async function selectControl(
  framework: Framework,
  control: string,
  store: EvidenceStore,
  window: AuditWindow,
): Promise<{ control: string; soc2Ids: string[] }> {
  try {
    return framework.select(control);
  } catch (err) {
    if (!(err instanceof UnknownControlError) || framework.id !== 'soc2') throw err;
  }
  const { found, stated } = await findStatedControl(store, window, control);
  return framework.select(control, found ? [control] : stated);
}

/** Runs `use` on the population of the store, window and control an audit command names, checked before anything is read. */
export async function withPopulation<T>(
  opts: { store?: string; from?: string; to?: string; control?: string; framework?: string; unit?: PopulationUnit },
  log: Logger,
  use: (store: EvidenceStore, population: Population) => Promise<T>,
): Promise<T> {
  const window = parseWindow(opts.from, opts.to);
  if (!opts.control) throw new CliError('--control is required: the control whose population to read, e.g. --control CC8.1', ExitCode.usage);
  const framework = frameworkOption(opts.framework);
  return withAuditStore(opts.store, log, async (store) => {
    const { control, soc2Ids } = await selectControl(framework, opts.control!, store, window);
    const query: PopulationQuery = {
      store: store.url,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      framework: framework.id,
      control,
      soc2Controls: soc2Ids,
      unit: opts.unit ?? 'record',
    };
    return use(store, new Population(store, window, query));
  });
}

/** Why a population is empty, in the framework's words: nothing maps to the control, or no record states what does. */
export function emptyPopulationReason(query: PopulationQuery): string {
  if (query.soc2Controls.length === 0) {
    return `no SOC 2 criterion maps to ${query.framework} control ${query.control} in this project's crosswalk (evidence-schema/controls/), so no record can evidence it`;
  }
  const stating =
    query.framework === 'soc2'
      ? `names control ${query.control}`
      : `states ${query.soc2Controls.join(' or ')} (what ${query.framework} ${query.control} maps from)`;
  return `no record in ${query.store} ${stating} between ${query.from} and ${query.to}; check the control id, the window and the store`;
}

/** The control as output names it: with its framework and the SOC 2 ids it stands for, unless it is a SOC 2 id. */
export function controlName(query: PopulationQuery): string {
  return query.framework === 'soc2'
    ? `control ${query.control}`
    : `${query.framework} control ${query.control} (records stating ${query.soc2Controls.join(' or ') || 'no SOC 2 id'})`;
}

/** Exports the population of a control in a window, as CSV or JSON Lines, headed by the query, the row count and the chain heads. */
export async function population(opts: PopulationCliOptions, log: Logger): Promise<ExitCodeValue> {
  const out = await newOutput(opts.out, 'a .csv or .jsonl file to write the population to');
  const format = populationFormatOf(out);
  if (!format) throw new CliError(`--out ${out}: name a .csv or .jsonl file to write the population to`, ExitCode.usage);
  return withPopulation(opts, log, async (_store, population) => {
    const header = await writePopulationFile(population, out, format);
    const streams = Object.keys(header.heads).length;
    process.stdout.write(
      `Wrote ${out}: ${header.rows} ${header.query.unit === 'item' ? 'items' : 'records'} of ${controlName(header.query)} in ${streams} streams, from ${header.query.from} to ${header.query.to}.\n`,
    );
    if (header.rows === 0) process.stderr.write(`evidence-agent: ${emptyPopulationReason(header.query)}\n`);
    return ExitCode.ok;
  });
}
