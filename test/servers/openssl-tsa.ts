/**
 * An RFC 3161 Time-Stamping Authority on loopback, built with Debian's `openssl ts`: a CA, a TSA certificate
 * (extendedKeyUsage critical timeStamping) and a small HTTP server, in its own process, that pipes each
 * `application/timestamp-query` to `openssl ts -reply` and answers with the `application/timestamp-reply`.
 *
 *   const tsa = await startOpensslTsa(dir);   // tsa.url, tsa.certificates (PEM: TSA certificate, then the CA)
 *   await tsa.stop();                          // by its PID
 *
 * Run as a script (`node test/servers/openssl-tsa.ts serve <openssl.cnf>`) it is that server; it prints `listening <port>`.
 * It imports nothing of this project, so plain node runs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunningTsa {
  url: string;
  pid: number;
  /** PEM file: the TSA's certificate, then its CA's: what `signing.tsa.certificates` and `verify --tsa-certificates` take. */
  certificates: string;
  /** The CA alone, for `openssl ts -verify -CAfile`. */
  caFile: string;
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a TSA certificate signed by it (ECDSA P-256), and the `openssl ts` configuration that signs with them. */
export function makeTsaFiles(dir: string, name = 'Test TSA'): { config: string; certificates: string; caFile: string } {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-new', '-x509', '-key', 'ca.key', '-subj', `/CN=${name} Root CA`, '-days', '30', '-out', 'ca.crt'].concat([
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
    dir,
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'tsa.key'], dir);
  openssl(['req', '-new', '-key', 'tsa.key', '-subj', `/CN=${name}`, '-out', 'tsa.csr'], dir);
  writeFileSync(
    join(dir, 'tsa.ext'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\n' +
      'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  openssl(
    ['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-extfile', 'tsa.ext', '-out', 'tsa.crt'],
    dir,
  );
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  const config = join(dir, 'openssl-tsa.cnf');
  writeFileSync(
    config,
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${join(dir, 'tsaserial')}`,
      'crypto_device = builtin',
      `signer_cert = ${join(dir, 'tsa.crt')}`,
      `certs = ${join(dir, 'ca.crt')}`,
      `signer_key = ${join(dir, 'tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.57264.2',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  const certificates = join(dir, 'tsa-chain.pem');
  writeFileSync(certificates, readFileSync(join(dir, 'tsa.crt'), 'utf8') + readFileSync(join(dir, 'ca.crt'), 'utf8'));
  return { config, certificates, caFile: join(dir, 'ca.crt') };
}

/** The server: one `openssl ts -reply` at a time, since each one advances the serial file. */
function serve(config: string): void {
  const work = mkdtempSync(join(tmpdir(), 'openssl-tsa-'));
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      queue = queue.then(() => {
        if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
          res.writeHead(415, { 'content-type': 'text/plain' }).end('POST an application/timestamp-query\n');
          return;
        }
        const query = join(work, 'query.tsq');
        const reply = join(work, 'reply.tsr');
        writeFileSync(query, Buffer.concat(chunks));
        try {
          execFileSync('openssl', ['ts', '-reply', '-config', config, '-queryfile', query, '-out', reply], { stdio: ['ignore', 'ignore', 'pipe'] });
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(reply));
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`openssl ts -reply failed: ${(err as Error).message}\n`);
        }
      });
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
  process.on('SIGTERM', () => {
    server.close();
    rmSync(work, { recursive: true, force: true });
    process.exit(0);
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

/** Generates the TSA's keys and certificates in `dir` and starts its server on a free loopback port. */
export async function startOpensslTsa(dir: string): Promise<RunningTsa> {
  const { config, certificates, caFile } = makeTsaFiles(dir);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the openssl TSA server exited with ${code} before listening\n${log}`)));
  });
  return { url: `http://127.0.0.1:${port}/tsr`, pid: child.pid!, certificates, caFile, stop: stopper(child) };
}

if (import.meta.main && process.argv[2] === 'serve') serve(process.argv[3]!);
