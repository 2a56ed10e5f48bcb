import type { CollectorCatalog } from '../collector/registry.js';
import { configPathFrom } from '../config/load.js';
import type { Logger } from '../log.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export interface DaemonCliOptions {
  config?: string;
  shutdownSeconds: string;
}

/**
 * Runs the scheduler until SIGTERM or SIGINT; SIGHUP reloads the config.
 * Shutdown finishes within --shutdown-seconds: runs in flight get most of it,
 * the spool flush the rest, and a hard exit backs it up.
 */
export async function daemon(opts: DaemonCliOptions, catalog: CollectorCatalog, log: Logger): Promise<ExitCodeValue> {
  const limitMs = Number(opts.shutdownSeconds) * 1000;
  // The scheduler, HTTP server and metrics are loaded only for this command.
  const { Daemon } = await import('../daemon/daemon.js');
  const instance = new Daemon({ configPath: configPathFrom(opts.config), catalog, log });
  await instance.start();
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.error('shutdown took too long; exiting');
        process.exit(ExitCode.runtime);
      }, limitMs).unref();
      instance.stop(limitMs * 0.7).then(
        () => resolve(ExitCode.ok),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(ExitCode.runtime);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      if (stopping) return;
      instance.reload().catch((err: unknown) => log.error({ err }, 'reload failed; keeping the running config'));
    });
  });
}
