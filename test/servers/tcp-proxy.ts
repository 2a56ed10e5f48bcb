import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  endpoint: string;
  /** Drops every connection and refuses new ones, as an outage would. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Delay each chunk from the client by this many ms (a slow link). */
  delayMs: number;
  close(): Promise<void>;
}

/** A loopback TCP proxy in front of a test server, so a test can take the server "off the network". */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const proxy: TcpProxy = {
    port: 0,
    endpoint: '',
    delayMs: 0,
    cut: async () => {
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    restore: () => listen(),
    close: () => proxy.cut(),
  };

  function handle(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk) => {
      if (proxy.delayMs > 0) {
        client.pause();
        setTimeout(() => {
          upstream.write(chunk);
          client.resume();
        }, proxy.delayMs);
      } else upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  }

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer(handle);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        proxy.port = port;
        proxy.endpoint = `http://127.0.0.1:${port}`;
        server = s;
        resolve();
      });
    });
  }

  await listen();
  return proxy;
}
