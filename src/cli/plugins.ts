import type { Command } from 'commander';
import type { ReportPlugin } from '../audit/report/plugin.js';
import type { CollectorCatalog } from '../collector/registry.js';
import type { Logger } from '../log.js';
import type { ExitCodeValue } from './exit-codes.js';

/** Runs a command's action with the CLI's logger and turns what it throws into an exit code. */
export type RunAction = (action: (log: Logger) => Promise<ExitCodeValue>) => Promise<void>;

/** Commands a collector family adds to the CLI (for example `model sign`), registered by the program that composes the agent. */
export interface CommandPlugin {
  readonly name: string;
  register(program: Command, run: RunAction): void;
}

/**
 * What the agent is composed with: the collectors a config may name by type,
 * the commands their families add and their report sections. The core names none of them; `bin/`
 * passes the built-in ones, an embedding program its own.
 */
export interface AgentPlugins {
  readonly catalog: CollectorCatalog;
  readonly commands: readonly CommandPlugin[];
  /** The families' sections of `evidence-agent report`, one per collector type; other types get the generic sections. */
  readonly reports: readonly ReportPlugin[];
}
