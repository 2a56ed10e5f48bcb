import { describe, expect, it } from 'vitest';
import { DaemonServer } from '../src/daemon/http-server.js';
import { silentLog } from './helpers/fixtures.js';

describe("collectors' routes on the daemon server", () => {
  const health = { ready: () => true, metrics: async () => ({ contentType: 'text/plain', body: '' }) };

  it('mounts each collector under its own prefix, refuses a second mount and bad paths, and unmounts one collector only', async () => {
    const server = new DaemonServer(health, silentLog);
    const { port } = await server.listen('127.0.0.1:0');
    try {
      const a = server.routesFor('a');
      a.route('GET', '/hello', (_req, res) => void res.writeHead(200).end('a'));
      server.routesFor('ab').route('GET', '/hello', (_req, res) => void res.writeHead(200).end('ab'));
      expect(() => a.route('get', '/hello', () => undefined)).toThrow(/collector a: GET \/collectors\/a\/hello is already mounted/);
      for (const bad of ['hello', '/', '/a//b', '/a?x=1', '/../x y']) expect(() => a.route('GET', bad, () => undefined)).toThrow(/route path/);

      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return `${res.status} ${await res.text()}`;
      };
      expect(await get('/collectors/a/hello')).toBe('200 a');
      expect(await get('/collectors/ab/hello')).toBe('200 ab');
      server.unmount('a');
      expect(await get('/collectors/a/hello')).toBe('404 not found\n');
      expect(await get('/collectors/ab/hello')).toBe('200 ab');
    } finally {
      await server.close();
    }
  });
});
