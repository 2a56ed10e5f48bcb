import { rm, writeFile } from 'node:fs/promises';
import { besideOutput, OutputExistsError, publishFile } from '../audit/output-file.js';
import { buildReport } from '../audit/report/build.js';
import type { ReportPlugin } from '../audit/report/plugin.js';
import type { Logger } from '../log.js';
import { newOutput, withAuditStore } from './audit-store.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { frameworkOption } from './framework.js';
import { parseWindow } from './window.js';

export const REPORT_HELP = `
One self-contained HTML file (styles and charts inline, no script, nothing fetched) for a person to read:
  header      the store, the window, the framework, each stream's last record in the window with the checkpoint
              that signs it, each agent's newest checkpoint (seq, time, payload SHA-256), and how to re-verify
  per control in the framework's ids (records state SOC 2 ids; other frameworks through this project's own
              crosswalks): coverage day by day with explained and unexplained gaps told apart (as \`coverage\`
              computes them), the worst record status by day, and the open findings with their severity
  open        the findings of a subject's newest record in the window, when that record fails
  families    what matters most per built-in collector (model signatures, commit shares and unreviewed agent
              changes, lineage, failover drills against the objective, log-redaction verdicts); records of other
              collector types get the sections above only
The store is read once; memory follows the streams, subjects and days, not the records. The page summarises:
the evidence is what \`evidence-agent verify --trusted-key\` checks.
Exit codes: 0 written, 2 usage (unknown --framework, --out exists), 4 a record cannot be trusted (run verify).`;

export interface ReportCliOptions {
  store?: string;
  from?: string;
  to?: string;
  framework?: string;
  out?: string;
}

/** Writes the HTML report of a store over a window. */
export async function report(opts: ReportCliOptions, plugins: readonly ReportPlugin[], log: Logger): Promise<ExitCodeValue> {
  const window = parseWindow(opts.from, opts.to);
  const framework = frameworkOption(opts.framework);
  const out = await newOutput(opts.out, 'the HTML file to write, e.g. --out report.html');
  return withAuditStore(opts.store, log, async (store) => {
    const page = await buildReport(store, window, framework, plugins);
    // Written beside the output and moved into place: a reader never sees half a report, and nothing is replaced.
    const temp = besideOutput(out, 'report');
    try {
      await writeFile(temp, page, { flag: 'wx' });
      await publishFile(temp, out);
    } catch (err) {
      if (err instanceof OutputExistsError) throw err;
      throw new CliError(`--out ${out}: cannot be written (${(err as Error).message}); check the folder exists and is writable`, ExitCode.runtime);
    } finally {
      await rm(temp, { force: true });
    }
    process.stdout.write(`Wrote ${out}: ${framework.name} report of ${store.url} from ${window.from.toISOString()} to ${window.to.toISOString()}.\n`);
    return ExitCode.ok;
  });
}
