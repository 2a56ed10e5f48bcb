import { writeAssessmentResults } from '../audit/oscal/export.js';
import type { Logger } from '../log.js';
import { newOutput, withAuditStore } from './audit-store.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { frameworkOption } from './framework.js';
import { parseWindow } from './window.js';

export const EXPORT_FORMATS = ['oscal'] as const;

export interface ExportCliOptions {
  format?: string;
  store?: string;
  from?: string;
  to?: string;
  framework?: string;
  out?: string;
}

export const EXPORT_HELP = `
--format oscal writes an OSCAL 1.0.6 assessment-results document: one result for the window, one observation per
record observed in it (method TEST, collected = observedAt, relevant evidence = the record's key and hash, and its
attachments), and one finding per control the records name, whose target is satisfied or not-satisfied:
  satisfied      every period of the control's grid holds evidence (coverage 100%, as the coverage command
                 computes it), chained ranges (commit-trail) are whole, and no subject is left failing (for each
                 stream and subject, the last pass or fail record of the window is not a fail)
  not-satisfied  otherwise; the finding's description says why
With --framework other than soc2, controls are that framework's ids through this project's own crosswalk (not an
official mapping; the document says so), and a control is satisfied when every SOC 2 criterion mapped to it is.
No assessment plan is imported: import-ap points at a back-matter resource stating the query instead.
Two exports of the same store, window and framework are byte for byte the same.
Exit codes: 0 written, 2 usage, 4 a record cannot be trusted (run verify).`;

/** Writes the store's evidence of a window as an OSCAL assessment-results document. */
export async function exportEvidence(opts: ExportCliOptions, log: Logger): Promise<ExitCodeValue> {
  if (opts.format === undefined) throw new CliError(`--format is required: one of ${EXPORT_FORMATS.join(', ')}`, ExitCode.usage);
  const window = parseWindow(opts.from, opts.to);
  const framework = frameworkOption(opts.framework);
  const out = await newOutput(opts.out, 'the file to write, e.g. --out assessment-results.json');
  return withAuditStore(opts.store, log, async (store) => {
    const summary = await writeAssessmentResults(store, window, framework, out);
    const failing = summary.findings.filter((f) => f.state === 'not-satisfied').map((f) => f.control);
    process.stdout.write(
      `Wrote ${out}: OSCAL ${framework.name} assessment results from ${window.from.toISOString()} to ${window.to.toISOString()}, ` +
        `${summary.observations} observations, ${summary.findings.length} findings` +
        `${failing.length > 0 ? ` (not satisfied: ${failing.join(', ')})` : summary.findings.length > 0 ? ' (all satisfied)' : ''}.\n`,
    );
    return ExitCode.ok;
  });
}
