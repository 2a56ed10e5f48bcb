/**
 * A loopback stand-in for the Cloud Storage JSON API, for tests of the GCS store.
 *
 * It is a stand-in, not an emulator: no GCS emulator that can be installed here honours
 * ifGenerationMatch or retention, so this implements exactly the calls GcsBackend makes
 * (@google-cloud/storage 7) and the rules they depend on:
 *
 *   GET    /storage/v1/b/<bucket>                       bucket metadata
 *   GET    /storage/v1/b/<bucket>/o?prefix&delimiter&versions&pageToken   small pages
 *   GET    /storage/v1/b/<bucket>/o/<name>[?generation]  object metadata
 *   GET    /storage/v1/b/<bucket>/o/<name>?alt=media     object bytes, with x-goog-hash
 *   POST   /upload/storage/v1/b/<bucket>/o?uploadType=multipart|media&name&ifGenerationMatch
 *   DELETE /storage/v1/b/<bucket>/o/<name>[?generation]  403 while retained (the client sends it when
 *                                                         an upload fails its CRC32C check; tests use it too)
 *
 * Anything else answers 501, so a new client call shows up as a failing test, not a silent pass.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInBucket {
  /** A bucket retention policy of this many seconds. */
  retentionSeconds?: number;
  /** Whether that policy is locked. */
  locked?: boolean;
  versioning?: boolean;
  /** Per-object retention enabled (objects may carry `retention` at insert). */
  objectRetention?: boolean;
}

export interface StoredObject {
  name: string;
  generation: number;
  bytes: Buffer;
  /** Computed once at insert, as GCS stores them. */
  md5Hash: string;
  crc32c: string;
  contentType: string;
  timeCreated: Date;
  /** Set when this generation became noncurrent (replaced or deleted in a versioned bucket). */
  timeDeleted?: Date;
  retention?: { mode: string; retainUntilTime: string };
}

export interface GcsStandIn {
  /** The apiEndpoint to give the client: `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
  /** Every request, as `METHOD /path?query`, in arrival order. */
  requests: string[];
  /** Every generation held for a bucket, live and noncurrent, in insertion order. */
  objects(bucket: string): StoredObject[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC32C (Castagnoli) as GCS reports it: four big-endian bytes, base64. */
function crc32c(bytes: Buffer): string {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('base64');
}

/** Splits a multipart/related body into its parts' contents. */
function multipartParts(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(`--${boundary}`);
  while (at >= 0) {
    const start = at + delimiter.length - 2;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new HttpError(400, 'unterminated multipart body', 'invalid');
    const part = body.subarray(start + 2, next);
    parts.push(part.subarray(part.indexOf('\r\n\r\n') + 4));
    at = next + 2;
  }
  return parts;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startGcsStandIn(options: { buckets: Record<string, StandInBucket>; pageSize?: number }): Promise<GcsStandIn> {
  const pageSize = options.pageSize ?? 3;
  const store = new Map<string, StoredObject[]>(Object.keys(options.buckets).map((b) => [b, []]));
  const bucketCreated = new Date();
  const requests: string[] = [];
  // GCS generations are microsecond timestamps; strictly increasing is what matters.
  let lastGeneration = Date.now() * 1000;
  /** Generations only grow, as GCS's do, even for two writes in one microsecond. */
  const nextGeneration = () => {
    lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000);
    return lastGeneration;
  };

  function bucketOf(name: string): { config: StandInBucket; objects: StoredObject[] } {
    const config = options.buckets[name];
    if (!config) throw new HttpError(404, `The specified bucket does not exist.`, 'notFound');
    return { config, objects: store.get(name)! };
  }

  function policyUntil(config: StandInBucket, o: StoredObject): Date | undefined {
    return config.retentionSeconds ? new Date(o.timeCreated.getTime() + config.retentionSeconds * 1000) : undefined;
  }

  /** A retention policy binds whether locked or not (locking only stops it being removed or shortened). */
  function retainedUntil(config: StandInBucket, o: StoredObject): Date | undefined {
    const now = Date.now();
    const dates = [policyUntil(config, o), o.retention ? new Date(o.retention.retainUntilTime) : undefined].filter(
      (d): d is Date => d !== undefined && d.getTime() > now,
    );
    return dates.sort((a, b) => b.getTime() - a.getTime())[0];
  }

  function resource(bucket: string, config: StandInBucket, o: StoredObject): Record<string, unknown> {
    const until = policyUntil(config, o);
    return {
      kind: 'storage#object',
      id: `${bucket}/${o.name}/${o.generation}`,
      name: o.name,
      bucket,
      generation: String(o.generation),
      metageneration: '1',
      contentType: o.contentType,
      size: String(o.bytes.length),
      md5Hash: o.md5Hash,
      crc32c: o.crc32c,
      storageClass: 'STANDARD',
      timeCreated: o.timeCreated.toISOString(),
      updated: o.timeCreated.toISOString(),
      ...(o.timeDeleted ? { timeDeleted: o.timeDeleted.toISOString() } : {}),
      ...(until ? { retentionExpirationTime: until.toISOString() } : {}),
      ...(o.retention ? { retention: o.retention } : {}),
    };
  }

  function bucketResource(name: string, config: StandInBucket): Record<string, unknown> {
    return {
      kind: 'storage#bucket',
      id: name,
      name,
      location: 'US',
      storageClass: 'STANDARD',
      metageneration: '1',
      timeCreated: bucketCreated.toISOString(),
      versioning: { enabled: config.versioning === true },
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
      ...(config.retentionSeconds
        ? {
            retentionPolicy: { retentionPeriod: String(config.retentionSeconds), effectiveTime: bucketCreated.toISOString(), isLocked: config.locked === true },
          }
        : {}),
      ...(config.objectRetention ? { objectRetention: { mode: 'Enabled' } } : {}),
    };
  }

  function find(objects: StoredObject[], name: string, generation: string | null): StoredObject {
    const found =
      generation === null
        ? objects.find((o) => o.name === name && !o.timeDeleted)
        : objects.find((o) => o.name === name && o.generation === Number(generation));
    if (!found) throw new HttpError(404, `No such object: ${name}`, 'notFound');
    return found;
  }

  /** Makes a live object noncurrent (versioned bucket) or removes it, unless retention forbids it. */
  function retire(config: StandInBucket, objects: StoredObject[], o: StoredObject, keepVersion: boolean): void {
    const until = retainedUntil(config, o);
    if (until)
      throw new HttpError(
        403,
        `Object '${o.name}' is subject to a retention policy or object retention and cannot be deleted or overwritten until ${until.toISOString()}`,
        'retentionPolicyNotMet',
      );
    if (keepVersion) o.timeDeleted = new Date();
    else objects.splice(objects.indexOf(o), 1);
  }

  async function insert(req: IncomingMessage, bucket: string, query: URLSearchParams): Promise<Record<string, unknown>> {
    const { config, objects } = bucketOf(bucket);
    const body = await readBody(req);
    let metadata: { name?: string; contentType?: string; crc32c?: string; md5Hash?: string; retention?: { mode: string; retainUntilTime: string } } = {};
    let bytes = body;
    const type = req.headers['content-type'] ?? '';
    if (query.get('uploadType') === 'multipart') {
      const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
      if (!boundary) throw new HttpError(400, 'multipart upload without a boundary', 'invalid');
      const [json, media] = multipartParts(body, boundary);
      if (!json || !media) throw new HttpError(400, 'multipart upload needs metadata and media parts', 'invalid');
      metadata = JSON.parse(json.toString('utf8')) as typeof metadata;
      bytes = Buffer.from(media);
    } else if (query.get('uploadType') !== 'media') {
      throw new HttpError(501, `uploadType=${query.get('uploadType')} is not implemented by the stand-in`, 'notImplemented');
    }
    const name = query.get('name') ?? metadata.name;
    if (!name) throw new HttpError(400, 'Required parameter: name', 'required');
    const live = objects.find((o) => o.name === name && !o.timeDeleted);
    const ifGenerationMatch = query.get('ifGenerationMatch');
    if (ifGenerationMatch !== null && Number(ifGenerationMatch) !== (live?.generation ?? 0)) {
      throw new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
    }
    if (metadata.retention && !config.objectRetention) throw new HttpError(400, 'Object retention is not enabled on this bucket.', 'invalid');
    if (metadata.crc32c && metadata.crc32c !== crc32c(bytes)) throw new HttpError(400, 'Provided CRC32C does not match the data.', 'invalid');
    if (metadata.md5Hash && metadata.md5Hash !== md5(bytes)) throw new HttpError(400, 'Provided MD5 hash does not match the data.', 'invalid');
    if (live) retire(config, objects, live, config.versioning === true);
    const created: StoredObject = {
      name,
      generation: nextGeneration(),
      bytes,
      md5Hash: md5(bytes),
      crc32c: crc32c(bytes),
      contentType: metadata.contentType ?? (type.startsWith('multipart/') ? 'application/octet-stream' : type || 'application/octet-stream'),
      timeCreated: new Date(),
      ...(metadata.retention ? { retention: metadata.retention } : {}),
    };
    objects.push(created);
    return resource(bucket, config, created);
  }

  function list(bucket: string, query: URLSearchParams): Record<string, unknown> {
    const { config, objects } = bucketOf(bucket);
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter');
    const versions = query.get('versions') === 'true';
    const limit = Math.min(pageSize, Number(query.get('maxResults') ?? pageSize));
    // One ordered run of entries (objects by name then generation, and collapsed prefixes) cut into pages.
    const entries = new Map<string, { item?: StoredObject; prefix?: string }>();
    for (const o of objects) {
      if (!o.name.startsWith(prefix) || (!versions && o.timeDeleted)) continue;
      const cut = delimiter ? o.name.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const sub = o.name.slice(0, cut + delimiter!.length);
        entries.set(`${sub}\u0000`, { prefix: sub });
      } else {
        entries.set(`${o.name}\u0000${String(o.generation).padStart(20, '0')}`, { item: o });
      }
    }
    const after = query.get('pageToken') ? Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8') : '';
    const keys = [...entries.keys()].filter((k) => k > after).sort();
    const page = keys.slice(0, limit);
    const items = page.flatMap((k) => (entries.get(k)!.item ? [resource(bucket, config, entries.get(k)!.item!)] : []));
    const prefixes = page.flatMap((k) => entries.get(k)!.prefix ?? []);
    return {
      kind: 'storage#objects',
      ...(items.length ? { items } : {}),
      ...(prefixes.length ? { prefixes } : {}),
      ...(keys.length > limit ? { nextPageToken: Buffer.from(page.at(-1)!).toString('base64url') } : {}),
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const q = url.searchParams;
    const path = url.pathname.split('/').map(decodeURIComponent);
    // ['', 'storage', 'v1', 'b', bucket, 'o', name] or ['', 'upload', 'storage', 'v1', 'b', bucket, 'o']
    if (req.method === 'POST' && path.length === 7 && path[1] === 'upload' && path[4] === 'b' && path[6] === 'o') {
      return json(res, 200, await insert(req, path[5]!, q));
    }
    if (path[1] !== 'storage' || path[2] !== 'v1' || path[3] !== 'b' || !path[4])
      throw new HttpError(501, `${req.method} ${url.pathname} is not implemented by the stand-in`, 'notImplemented');
    const bucket = path[4];
    if (req.method === 'GET' && path.length === 5) return json(res, 200, bucketResource(bucket, bucketOf(bucket).config));
    if (req.method === 'GET' && path.length === 6 && path[5] === 'o') return json(res, 200, list(bucket, q));
    if (path.length === 7 && path[5] === 'o') {
      const { config, objects } = bucketOf(bucket);
      const o = find(objects, path[6]!, q.get('generation'));
      if (req.method === 'GET' && q.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': o.contentType,
          'content-length': o.bytes.length,
          'x-goog-generation': String(o.generation),
          'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
          'x-goog-stored-content-encoding': 'identity',
        });
        res.end(o.bytes);
        return;
      }
      if (req.method === 'GET') return json(res, 200, resource(bucket, config, o));
      if (req.method === 'DELETE') {
        retire(config, objects, o, config.versioning === true && q.get('generation') === null);
        res.writeHead(204).end();
        return;
      }
    }
    throw new HttpError(501, `${req.method} ${url.pathname} is not implemented by the stand-in`, 'notImplemented');
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    route(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, String((err as Error).message), 'backendError');
      // Drain what the client is still sending so it reads our answer instead of a reset.
      req.resume();
      json(res, e.status, { error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }] } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    objects: (bucket) => store.get(bucket) ?? [],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would hold close() open and let a client keep talking to a "closed" server.
        server.closeAllConnections();
      }),
  };
}
