import type { AuditWindow } from '../audit/scan.js';
import { CliError, ExitCode } from './exit-codes.js';

/** A `--from`/`--to` value: a bare date means its first (or, with endOfDay, its last) millisecond in UTC. */
export function parseTime(value: string | undefined, flag: string, endOfDay: boolean): Date | undefined {
  if (value === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const t = Date.parse(day ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : value);
  if (Number.isNaN(t)) throw new CliError(`${flag} ${value}: expected a date (2026-01-31) or an RFC 3339 time`, ExitCode.usage);
  return new Date(t);
}

/** The observation window of the audit commands, both ends required and inclusive; a bare date as `--to` means its end of day. */
export function parseWindow(from: string | undefined, to: string | undefined): AuditWindow {
  if (from === undefined || to === undefined) {
    throw new CliError('--from and --to are required: the observation window, e.g. --from 2026-01-01 --to 2026-06-30', ExitCode.usage);
  }
  const window = { from: parseTime(from, '--from', false)!, to: parseTime(to, '--to', true)! };
  if (window.from > window.to) throw new CliError(`--from ${from} is after --to ${to}: the window would be empty`, ExitCode.usage);
  return window;
}
