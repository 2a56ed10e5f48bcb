import { type CollectorCatalog, loadCollector } from '../collector/registry.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { formatTable } from './table.js';

/** Lists the built-in collector types with their default controls. */
export async function listCollectors(opts: { json?: boolean }, catalog: CollectorCatalog): Promise<ExitCodeValue> {
  const collectors = await Promise.all(Object.keys(catalog).map((type) => loadCollector(type, process.cwd(), catalog)));
  const rows = collectors.map((c) => ({ type: c.type, version: c.version, controls: [...c.controls], description: c.description ?? '' }));
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(rows, null, 2)}\n`
      : `${formatTable(
          ['TYPE', 'VERSION', 'CONTROLS', 'DESCRIPTION'],
          rows.map((r) => [r.type, r.version, r.controls.join(','), r.description]),
        )}\n`,
  );
  return ExitCode.ok;
}
