import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves the repositories under `root` over smart HTTP on loopback, through
 * git's own `git http-backend` run as a CGI program, and answers 401 to any
 * request whose Authorization header does not carry the token it currently
 * accepts (as Basic `<any user>:<token>`, or Bearer `<token>`).
 */
export class GitHttpServer {
  /** Every Authorization header received, in order (`null`: none), so a test can see what git sent. */
  readonly authorizations: (string | null)[] = [];

  private constructor(
    private readonly server: Server,
    readonly root: string,
    public token: string,
  ) {}

  static async start(root: string, token: string): Promise<GitHttpServer> {
    let self: GitHttpServer | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    self = new GitHttpServer(server, root, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  /** `http://127.0.0.1:<port>/<name>`, with `user:password@` when given. */
  url(name: string, userinfo?: string): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${port}/${name}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accepts(authorization: string | undefined): boolean {
    if (!authorization) return false;
    const [scheme = '', value = ''] = authorization.split(' ');
    if (scheme.toLowerCase() === 'bearer') return value === this.token;
    if (scheme.toLowerCase() !== 'basic') return false;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) === this.token;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.authorizations.push(req.headers.authorization ?? null);
    if (!this.accepts(req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'git',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    req.pipe(cgi.stdin);
    // CGI output: header lines, a blank line, then the body.
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      started = true;
      res.write(head.subarray(end + 4));
    });
    cgi.once('close', () => res.end());
  }
}
