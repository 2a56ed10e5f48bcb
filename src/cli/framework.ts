import { ControlCatalogError, type Framework, loadFramework, parseFramework, UnknownControlError, UnknownFrameworkError } from '../audit/frameworks.js';
import { CliError, ExitCode } from './exit-codes.js';

/** How the audit commands read `--framework` and `--control`, for their --help. */
export const FRAMEWORK_HELP = `
Frameworks: records state SOC 2 ids. With --framework iso42001, iso27001, nist-ai-rmf or eu-ai-act, --control and the
output use that framework's ids through this project's own crosswalks in evidence-schema/controls/ (not official
mappings: whether a record is sufficient evidence is for the organisation and its assessor to judge). --control <id>
then selects the records that state any SOC 2 id mapping to it; an id the framework does not list exits 2 with the
ones it does.`;

/** The framework `--framework` names (soc2 when absent); an unknown one is a usage error listing the choices. */
export function frameworkOption(value: string | undefined): Framework {
  try {
    return loadFramework(parseFramework(value));
  } catch (err) {
    if (err instanceof UnknownFrameworkError) throw new CliError(`--framework: ${err.message}`, ExitCode.usage);
    if (err instanceof ControlCatalogError) throw new CliError(err.message, ExitCode.runtime);
    throw err;
  }
}

/** `--control` not in the framework: a usage error naming the valid ids and their file; anything else unchanged. */
export function controlUsageError(err: unknown): unknown {
  return err instanceof UnknownControlError ? new CliError(`--control: ${err.message}`, ExitCode.usage) : err;
}
