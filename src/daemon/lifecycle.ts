import type { Logger } from 'pino';
import type { StartContext } from '../collector/contract.js';
import { type CollectorInstance, instanceContext, type RunEnvironment } from '../collector/runner.js';
import type { DaemonServer } from './http-server.js';

interface Started {
  instance: CollectorInstance;
  ctx: StartContext;
}

/**
 * The collectors of one loaded config that hold something between runs (a
 * receiver of pushed events): started together, closed together, their
 * routes mounted and removed with them.
 */
export class CollectorLifecycles {
  private constructor(
    private readonly started: Started[],
    private readonly server: DaemonServer,
    private readonly log: Logger,
  ) {}

  /** Calls `start` of each collector that has one. One that fails is logged and left unstarted; its runs still go on. */
  static async start(
    instances: readonly CollectorInstance[],
    server: DaemonServer,
    env: Pick<RunEnvironment, 'agent' | 'log' | 'clock' | 'configDir'>,
  ): Promise<CollectorLifecycles> {
    const started: Started[] = [];
    for (const instance of instances) {
      if (!instance.collector.start) continue;
      const ctx: StartContext = { ...instanceContext(instance, env), http: server.routesFor(instance.id) };
      try {
        await instance.collector.start(ctx);
        started.push({ instance, ctx });
      } catch (err) {
        server.unmount(instance.id);
        ctx.log.error({ err }, 'collector did not start; its scheduled runs go on, but what it serves between runs is not there');
      }
    }
    return new CollectorLifecycles(started, server, env.log);
  }

  /** Closes every started collector and removes its routes, waiting at most `timeoutMs` for the closes. */
  async close(timeoutMs: number): Promise<void> {
    const closes = this.started.map(async ({ instance, ctx }) => {
      this.server.unmount(instance.id);
      try {
        await instance.collector.close?.(ctx);
      } catch (err) {
        ctx.log.error({ err }, 'collector did not close cleanly');
      }
    });
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), timeoutMs).unref());
    if ((await Promise.race([Promise.all(closes).then(() => 'done' as const), timer])) === 'late') {
      this.log.warn({ collectors: this.started.map((s) => s.instance.id) }, 'collectors did not close in time');
    }
    this.started.length = 0;
  }
}
