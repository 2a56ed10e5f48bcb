import { userInfo } from 'node:os';
import { writePackage } from '../audit/package-write.js';
import type { PopulationUnit } from '../audit/population.js';
import { drawFirst } from '../audit/sample.js';
import { DEFAULT_SAMPLE_SIZES, frequencyClassOf, parseSampleSizes, type SampleSizes, SampleSizesError, sampleSize } from '../audit/sample-size.js';
import { recordSampling, type SamplingData } from '../audit/sampling-record.js';
import { type AgentConfig, loadConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import { AGENT_VERSION } from '../package-root.js';
import { newOutput } from './audit-store.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { FRAMEWORK_HELP } from './framework.js';
import { controlName, emptyPopulationReason, withPopulation } from './population.js';

export const SAMPLE_HELP = `
Selection: the population (as \`population\` exports it) sorted by the lowercase hex SHA-256 of the UTF-8 string
seed + ":" + key, ascending, where key is the record's hash as written (sha256:…) or the item id; the first N are drawn.
Anyone can redraw it without this tool (evidence-schema/README.md, "Sampling").

Default size by the control's frequency, the upper end of common practitioner convention (not an AICPA rule; set
--size, or --sizes): annually 1, quarterly 2, monthly 5 (2-5), weekly 15 (5-15), daily 40 (20-40), several times a
day 60 (25-60). Records: the cadence the records state, else their rate in the window; items: items a day.

The package holds manifest.json, VERIFY.md (how to check it by hand), the selected records and their chain
neighbours byte for byte, their attachments and payload schemas, and the checkpoints that cover them.
evidence-agent verify --store file:<package folder> checks it. Under --framework, the population is the records
stating any SOC 2 id that maps to the control, and the manifest's query holds the framework, the control as the
framework spells it and the SOC 2 ids it selected.
${FRAMEWORK_HELP}

Exit codes: 0 written, 2 usage (unknown --framework or --control, an empty population, --out exists).
`;

export interface SampleCliOptions {
  store?: string;
  from?: string;
  to?: string;
  control?: string;
  framework?: string;
  unit?: PopulationUnit;
  seed?: string;
  size?: string;
  sizes?: string;
  out?: string;
  config?: string;
  auditor?: string;
}

function whoIsSampling(flag: string | undefined): string {
  if (flag) return flag;
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new CliError(`--size ${value}: expected a whole number of at least 1`, ExitCode.usage);
  return Number(value);
}

function sizesOption(value: string): SampleSizes {
  try {
    return parseSampleSizes(value);
  } catch (err) {
    throw err instanceof SampleSizesError ? new CliError(err.message, ExitCode.usage) : err;
  }
}

/** Draws a reproducible sample of a control's population and writes it as an evidence package; with --config, records the sampling. */
export async function sample(opts: SampleCliOptions, log: Logger): Promise<ExitCodeValue> {
  const seed = opts.seed;
  if (seed === undefined) throw new CliError('--seed is required: any string you choose; the same seed draws the same sample', ExitCode.usage);
  const explicit = parseSize(opts.size);
  const sizes = opts.sizes === undefined ? DEFAULT_SAMPLE_SIZES : sizesOption(opts.sizes);
  const out = await newOutput(opts.out, 'a folder to create, or a .tar.gz file');
  // The config is read before the store, so a bad one is found before a long scan.
  const config: AgentConfig | null = opts.config ? await loadConfig(opts.config) : null;
  return withPopulation(opts, log, async (store, population) => {
    const drawn = await drawFirst(population, seed, explicit ?? Math.max(...Object.values(sizes)));
    const header = await population.header();
    const { frequency, inferred } = frequencyClassOf(header.query.unit, population.frequencies, population.window);
    const size = sampleSize(explicit, sizes, frequency, header.rows);
    const unit = header.query.unit === 'item' ? 'items' : 'records';
    if (header.rows === 0) throw new CliError(`nothing to sample: ${emptyPopulationReason(header.query)}`, ExitCode.usage);
    const selected = drawn.slice(0, size);
    const written = await writePackage({
      store,
      out,
      query: { ...header.query, seed: seed, size },
      population: header,
      drawn: selected,
      agentVersion: AGENT_VERSION,
      now: new Date(),
    });
    const basis =
      explicit === undefined
        ? `the ${inferred ? 'inferred ' : ''}frequency ${frequency} gives ${sizes[frequency]} by practitioner convention, not an AICPA rule; set --size or --sizes`
        : 'as --size asks';
    process.stdout.write(`Sampled ${size} of ${header.rows} ${unit} of ${controlName(header.query)} (${basis}) into ${out}.\n`);
    process.stdout.write(`manifest.json sha256 ${written.manifestSha256}\n`);
    if (!config) {
      process.stdout.write(
        "The sampling was not recorded. To record it in the agent's audit stream, run the same command with --config <agent config> and another --out: the same seed draws the same sample.\n",
      );
      return ExitCode.ok;
    }
    const data: SamplingData = {
      auditor: whoIsSampling(opts.auditor),
      store: header.query.store,
      window: { from: header.query.from, to: header.query.to },
      framework: header.query.framework,
      control: header.query.control,
      soc2Controls: header.query.soc2Controls,
      unit: header.query.unit,
      seed: seed,
      size,
      sizeFrom: explicit === undefined ? frequency : '--size',
      population: { rows: header.rows },
      selected: selected.map((d) => ({ key: d.row.key, hash: d.row.hash, ...(d.row.itemId === undefined ? {} : { itemId: d.row.itemId }) })),
      manifestSha256: written.manifestSha256,
    };
    const recorded = await recordSampling(config, data, log);
    const signed = recorded.checkpoint ? `, signed in checkpoint ${recorded.checkpoint}` : ' (the config signs no checkpoint)';
    process.stdout.write(`Recorded the sampling as ${recorded.record.stream} seq ${recorded.record.seq} in ${recorded.store}${signed}.\n`);
    return ExitCode.ok;
  });
}
