import { Command, CommanderError, Option } from 'commander';
import { CollectorLoadError } from '../collector/registry.js';
import { ConfigError } from '../config/errors.js';
import { createLogger } from '../log.js';
import { AGENT_VERSION } from '../package-root.js';
import { SigningKeyError } from '../signing/keys.js';
import { StorePreflightError } from '../store/types.js';
import { COVERAGE_HELP, coverage } from './coverage.js';
import { daemon } from './daemon.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { EXPORT_FORMATS, EXPORT_HELP, exportEvidence } from './export.js';
import { keygen } from './keygen.js';
import { listCollectors } from './list-collectors.js';
import type { AgentPlugins, RunAction } from './plugins.js';
import { POPULATION_HELP, population } from './population.js';
import { REPORT_HELP, report } from './report.js';
import { SAMPLE_HELP, sample } from './sample.js';
import { snapshot } from './snapshot.js';
import { verify } from './verify.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function program(plugins: AgentPlugins, run: RunAction): Command {
  const cmd = new Command('evidence-agent')
    .description('Collects hash-chained, write-once audit evidence for AI-native security controls.')
    .version(AGENT_VERSION)
    .addOption(new Option('--log-level <level>', 'pino log level (logs go to stderr)').choices(LEVELS).default(process.env.LOG_LEVEL ?? 'info'))
    .showHelpAfterError()
    .exitOverride();

  cmd
    .command('snapshot')
    .description('run every configured collector once and write their records')
    .option('-c, --config <file>', 'config file (default: $EVIDENCE_AGENT_CONFIG or ./evidence-agent.yaml)')
    .option('--only <ids...>', 'run only these collector ids')
    .option('--json', 'print each record as one line of JSON instead of a table')
    .addOption(new Option('--fail-on <status>', 'exit 3 when a record has this status (fail also covers error)').choices(['fail', 'error']))
    .option('--allow-drills', 'let collectors act on what they observe (failover drills), as allowDrills: true does in the daemon')
    .action((opts: Parameters<typeof snapshot>[0]) => run((log) => snapshot(opts, plugins.catalog, log)));

  cmd
    .command('daemon')
    .description('run collectors on their schedules, with /healthz, /readyz and /metrics; SIGHUP reloads the config')
    .option('-c, --config <file>', 'config file (default: $EVIDENCE_AGENT_CONFIG or ./evidence-agent.yaml)')
    .option('--shutdown-seconds <n>', 'on SIGTERM/SIGINT, exit within this many seconds', '10')
    .action((opts: Parameters<typeof daemon>[0]) => run((log) => daemon(opts, plugins.catalog, log)));

  cmd
    .command('verify')
    .description('re-read a store and check every record, chain and attachment')
    .option('-c, --config <file>', 'take the store from this config')
    .option('--store <url>', 'store to verify, e.g. file:./evidence (overrides the config)')
    .option('--from <time>', 'only records observed at or after this date or RFC 3339 time')
    .option('--to <time>', 'only records observed at or before this date or RFC 3339 time')
    .option('--trusted-key <pem>', 'public key that must have signed every checkpoint')
    .option('--since <checkpoint>', 'a checkpoint file kept from an earlier verification, which the store must extend')
    .option(
      '--tsa-certificates <pem>',
      "the TSA's certificate chain: every checkpoint's RFC 3161 timestamp must verify with it (default: signing.tsa.certificates of --config)",
    )
    .option('--clock-tolerance <seconds>', "how far a checkpoint's timestamp, or a record's store time, may be from the time it states", '300')
    .option('--allow-empty', 'a store that holds no records is not a problem (otherwise verify exits 4)')
    .option('--witness <url>', 'where the checkpoints were witnessed (file:, s3://, gs://, https://): the store must hold each unchanged and extend the newest')
    .option('--require-signed', 'an agent whose records no checkpoint covers is a problem, even without --trusted-key')
    .option('--json', 'print the report as JSON')
    .action((opts: Parameters<typeof verify>[0]) => run((log) => verify(opts, log)));

  cmd
    .command('coverage')
    .description('per control and stream, which periods of an observation window hold evidence, and the gaps')
    .requiredOption('--store <url>', 'store to read: file:<folder> (a store or an extracted evidence package), s3://bucket/prefix, gs://bucket/prefix')
    .option('--from <time>', 'start of the window: a date (its first instant, UTC) or an RFC 3339 time (required)')
    .option('--to <time>', 'end of the window, inclusive: a date (its last instant, UTC) or an RFC 3339 time (required)')
    .option('--control <id>', "only this control, in the framework's ids, e.g. CC8.1 or (--framework iso42001) A.6.2.8")
    .option('--framework <id>', "speak this framework's control ids: soc2 (default), iso42001, iso27001, nist-ai-rmf, eu-ai-act")
    .option('--min <percent>', 'exit 3 when a selected control is below this coverage')
    .option('--json', 'print one JSON document instead of tables')
    .addHelpText('after', COVERAGE_HELP)
    .action((opts: Parameters<typeof coverage>[0]) => run((log) => coverage(opts, log)));

  cmd
    .command('report')
    .description('write one self-contained HTML report of a store over a window: coverage, status and open findings per control, and each collector family')
    .requiredOption('--store <url>', 'store to read: file:<folder> (a store or an extracted evidence package), s3://bucket/prefix, gs://bucket/prefix')
    .option('--from <time>', 'start of the window: a date (its first instant, UTC) or an RFC 3339 time (required)')
    .option('--to <time>', 'end of the window, inclusive: a date (its last instant, UTC) or an RFC 3339 time (required)')
    .option('--framework <id>', "speak this framework's control ids: soc2 (default), iso42001, iso27001, nist-ai-rmf, eu-ai-act")
    .requiredOption('--out <file>', 'the HTML file to create (never replaced)')
    .addHelpText('after', REPORT_HELP)
    .action((opts: Parameters<typeof report>[0]) => run((log) => report(opts, plugins.reports, log)));

  cmd
    .command('export')
    .description('write the evidence of a store over a window as an OSCAL assessment-results document')
    .addOption(new Option('--format <format>', 'the document to write (required)').choices(EXPORT_FORMATS))
    .option('--store <url>', 'store to read: file:<folder> (a store or an extracted evidence package), s3://bucket/prefix, gs://bucket/prefix')
    .option('--from <time>', 'start of the window: a date (its first instant, UTC) or an RFC 3339 time (required)')
    .option('--to <time>', 'end of the window, inclusive: a date (its last instant, UTC) or an RFC 3339 time (required)')
    .option('--framework <id>', "speak this framework's control ids: soc2 (default), iso42001, iso27001, nist-ai-rmf, eu-ai-act")
    .option('--out <file>', 'the JSON file to create (never replaced)')
    .addHelpText('after', EXPORT_HELP)
    .action((opts: Parameters<typeof exportEvidence>[0]) => run((log) => exportEvidence(opts, log)));

  cmd
    .command('population')
    .description('export the population of a control in a window, one row per record or item, headed by the query, the row count and the chain heads')
    .requiredOption('--store <url>', 'store to read: file:<folder> (a store or an extracted evidence package), s3://bucket/prefix, gs://bucket/prefix')
    .option('--from <time>', 'start of the window: a date (its first instant, UTC) or an RFC 3339 time (required)')
    .option('--to <time>', 'end of the window, inclusive: a date (its last instant, UTC) or an RFC 3339 time (required)')
    .requiredOption('--control <id>', "the control, in the framework's ids, e.g. CC8.1 or (--framework iso42001) A.6.2.8")
    .option('--framework <id>', "speak this framework's control ids: soc2 (default), iso42001, iso27001, nist-ai-rmf, eu-ai-act")
    .addOption(new Option('--unit <unit>', 'one row per record, or per item inside the records').choices(['record', 'item']).default('record'))
    .requiredOption('--out <file>', 'a .csv or .jsonl file to create')
    .addHelpText('after', POPULATION_HELP)
    .action((opts: Parameters<typeof population>[0]) => run((log) => population(opts, log)));

  cmd
    .command('sample')
    .description("draw a reproducible sample of a control's population and write it as an evidence package")
    .requiredOption('--store <url>', 'store to read: file:<folder> (a store or an extracted evidence package), s3://bucket/prefix, gs://bucket/prefix')
    .option('--from <time>', 'start of the window: a date (its first instant, UTC) or an RFC 3339 time (required)')
    .option('--to <time>', 'end of the window, inclusive: a date (its last instant, UTC) or an RFC 3339 time (required)')
    .requiredOption('--control <id>', "the control, in the framework's ids, e.g. CC8.1 or (--framework iso42001) A.6.2.8")
    .option('--framework <id>', "speak this framework's control ids: soc2 (default), iso42001, iso27001, nist-ai-rmf, eu-ai-act")
    .requiredOption('--seed <string>', 'any string you choose; the same seed draws the same sample')
    .option('--size <n>', "how many to draw (default: by the control's frequency, see below)")
    .option('--sizes <list>', 'sizes by frequency, e.g. annually=1,quarterly=2,monthly=5,weekly=15,daily=40,multiple-daily=60')
    .addOption(new Option('--unit <unit>', 'draw records, or items inside the records').choices(['record', 'item']).default('record'))
    .requiredOption('--out <path>', 'a folder to create, or a .tar.gz file')
    .option('-c, --config <file>', "record the sampling in the audit stream of this config's agent and store, and sign a checkpoint")
    .option('--auditor <name>', 'who is sampling, for the record (default: the operating-system user)')
    .addHelpText('after', SAMPLE_HELP)
    .action((opts: Parameters<typeof sample>[0]) => run((log) => sample(opts, log)));

  cmd
    .command('keygen')
    .description('write a new ECDSA P-256 key pair: <out>.pem (private, mode 600) and <out>.pub.pem; or, with --kms, the public key of a KMS key')
    .option('--out <path>', 'file name without extension (with --kms: optional, writes only <out>.pub.pem)')
    .option('--if-missing', 'do nothing if the private key (with --kms: the public key file) already exists')
    .option('--kms <key>', 'an AWS KMS key ARN, alias or id, or a Cloud KMS key version (projects/…/cryptoKeyVersions/N): print its public key PEM')
    .option('--region <region>', 'AWS region of the --kms key (default: from its ARN, else AWS_REGION)')
    .option('--endpoint <url>', 'KMS endpoint for --kms (a VPC/private endpoint or a test server)')
    .action((opts: Parameters<typeof keygen>[0]) => run(() => keygen(opts)));

  cmd
    .command('collectors')
    .description('list the built-in collector types and their default controls')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => run(() => listCollectors(opts, plugins.catalog)));
  for (const plugin of plugins.commands) plugin.register(cmd, run);
  return cmd;
}

function exitCodeOf(err: unknown): ExitCodeValue {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ConfigError || err instanceof CollectorLoadError || err instanceof StorePreflightError || err instanceof SigningKeyError)
    return ExitCode.usage;
  return ExitCode.runtime;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], plugins: AgentPlugins): Promise<number> {
  let code: number = ExitCode.ok;
  const cmd = program(plugins, async (action) => {
    const log = createLogger(cmd.opts<{ logLevel: string }>().logLevel as 'info');
    try {
      code = await action(log);
    } catch (err) {
      code = exitCodeOf(err);
      if (code === ExitCode.runtime) log.error({ err }, 'command failed');
      process.stderr.write(`evidence-agent: ${(err as Error).message}\n`);
    }
  });
  try {
    await cmd.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
    }
    throw err;
  }
  return code;
}
