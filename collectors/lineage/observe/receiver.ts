import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RouteHandler } from '../../../src/collector/contract.js';
import { checkEvent } from '../judge/event.js';
import { BodyError, readBody } from './request-body.js';
import type { SpoolWriter } from './spool.js';

/** Where the OpenLineage HTTP transport posts by default, under the collector's own prefix. */
export const RECEIVER_PATH = '/api/v1/lineage';

export interface ReceiverSettings {
  maxBodyBytes: number;
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares the presented token in constant time (both sides hashed first, so their lengths leak nothing either). */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const presented = /^Bearer[ \t]+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), expected);
}

function reply(res: ServerResponse, status: number, body: Record<string, string> | null, headers: Record<string, string> = {}): void {
  if (body === null) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`${JSON.stringify(body)}\n`);
}

/**
 * `POST /api/v1/lineage`, as the OpenLineage HTTP transport sends: one run
 * event as JSON. It is checked as the collector checks every event and
 * appended to the spool, on disk, before the 201; anything refused gets a 4xx
 * saying why and is never spooled.
 */
export function lineageReceiver(settings: ReceiverSettings, spool: SpoolWriter, log: Logger): RouteHandler {
  const expected = settings.token === undefined ? null : digest(settings.token);
  return async (req, res) => {
    // An answer before the body is read closes the connection: what is left of the body is then not read.
    const refuse = (status: number, error: string, headers: Record<string, string> = {}) => {
      log.info({ status, error }, 'lineage event refused');
      reply(res, status, { error }, { connection: 'close', ...headers });
    };
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      refuse(401, 'a bearer token is required: set api_key (or the Authorization header) to the configured token', {
        'www-authenticate': 'Bearer realm="lineage"',
      });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, settings.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      refuse(err.status, err.message);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      refuse(400, 'the body is not JSON: send one OpenLineage run event');
      return;
    }
    const verdict = checkEvent(value);
    if (!verdict.ok) {
      refuse(400, `not an OpenLineage run event: ${verdict.reason}`);
      return;
    }
    try {
      await spool.append(JSON.stringify(value));
    } catch (err) {
      log.error({ err, spool: spool.dir }, 'a lineage event could not be written to the spool');
      reply(res, 503, { error: 'the event could not be stored; send it again later' }, { 'retry-after': '10' });
      return;
    }
    reply(res, 201, null);
  };
}
