/** Process exit codes; the README documents them. */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  failOn: 3,
  verifyProblems: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that carries the exit code the CLI should end with. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
  }
}
