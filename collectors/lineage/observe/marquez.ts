import { SourceError } from './event-files.js';

export interface MarquezSettings {
  url: string;
  namespace?: string | undefined;
  apiKey?: string | undefined;
  pageSize?: number | undefined;
}

const PAGE_SIZE = 100;

/** Where Marquez lists the raw OpenLineage events it received (Marquez 0.30 and later). */
export const EVENTS_PATH = 'api/v1/events/lineage';
const REQUEST_TIMEOUT_MS = 60_000;

/** The URL as evidence may show it: no user, password, query or fragment. */
export function publicUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

export function eventsUrl(base: string): URL {
  return new URL(EVENTS_PATH, base.endsWith('/') ? base : `${base}/`);
}

/**
 * The raw events Marquez holds, oldest first, a page at a time
 * (`GET /api/v1/events/lineage?sortDirection=asc&limit=&offset=`, which
 * answers `{events: [...], totalCount}`), keeping those of one job namespace
 * when one is given. Each comes with its position in the whole list, from 1.
 */
export async function* marquezEvents(settings: MarquezSettings, signal: AbortSignal): AsyncGenerator<{ position: number; value: unknown }> {
  const given = new URL(settings.url);
  // fetch refuses URLs with credentials in them: they go in the header instead, as a browser would send them.
  const basic = given.username ? Buffer.from(`${decodeURIComponent(given.username)}:${decodeURIComponent(given.password)}`).toString('base64') : null;
  const endpoint = eventsUrl(publicUrl(settings.url));
  const shown = endpoint.toString();
  const pageSize = settings.pageSize ?? PAGE_SIZE;
  let offset = 0;
  for (;;) {
    signal.throwIfAborted();
    const url = new URL(endpoint);
    // Marquez's own default window ends in 2030; ask for every event.
    url.search = new URLSearchParams({
      sortDirection: 'asc',
      limit: String(pageSize),
      offset: String(offset),
      after: '1970-01-01T00:00:00Z',
      before: '9999-12-31T23:59:59Z',
    }).toString();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    else if (basic) headers.authorization = `Basic ${basic}`;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
    } catch (err) {
      if (signal.aborted) throw err;
      const cause = (err as Error).cause;
      throw new SourceError(`Marquez at ${shown} did not answer (${cause instanceof Error ? cause.message : (err as Error).message}); check marquez.url`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint =
        res.status === 401 || res.status === 403 ? 'check marquez.apiKey' : res.status === 404 ? 'is this Marquez 0.30 or later?' : 'check the server';
      throw new SourceError(`Marquez at ${shown} answered ${res.status} at offset ${offset}; ${hint}`);
    }
    const page = (await res.json().catch(() => null)) as { events?: unknown; totalCount?: unknown } | null;
    if (!Array.isArray(page?.events))
      throw new SourceError(`Marquez at ${shown} answered without an events list at offset ${offset}; is this the Marquez API?`);
    const events = page.events as unknown[];
    for (const [i, value] of events.entries()) {
      const namespace = namespaceOf(value);
      if (settings.namespace !== undefined && namespace !== undefined && namespace !== settings.namespace) continue;
      yield { position: offset + i + 1, value };
    }
    offset += events.length;
    const total = typeof page.totalCount === 'number' ? page.totalCount : null;
    if (events.length < pageSize || (total !== null && offset >= total)) return;
  }
}

/** The job namespace of an event, or undefined when it names none (such an event is judged, and found invalid, rather than passed over). */
function namespaceOf(value: unknown): string | undefined {
  const job = (value as { job?: { namespace?: unknown } } | null)?.job;
  return typeof job?.namespace === 'string' ? job.namespace : undefined;
}
