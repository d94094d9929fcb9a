import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a shared service (Redis, PostgreSQL) that a test can cut: one node loses the service while
 * the service itself, and every other client of it, carries on.
 *
 * `cut('refuse')` is a crash or restart of the service as its client sees it: open connections are reset and new
 * ones are reset as soon as they arrive. `cut('hold')` is a network partition: connections are reset, new ones are
 * accepted and then hear nothing (no reset, no data) until `restore()`, when they are reset too so the client
 * reconnects cleanly.
 */
export interface FaultProxy {
  /** 127.0.0.1:port the proxy listens on. */
  readonly host: string;
  readonly port: number;
  /** The target's URL with the proxy's host and port in its place. */
  url(targetUrl: string): string;
  readonly state: 'open' | 'refuse' | 'hold';
  /** Connections currently piped to the target. */
  readonly connections: number;
  cut(mode?: 'refuse' | 'hold'): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let state: FaultProxy['state'] = 'open';
  const piped = new Set<Socket>();
  const held = new Set<Socket>();

  // RST rather than FIN: the client sees ECONNRESET at once, as when the service process dies.
  const reset = (s: Socket) => {
    if (s.destroyed) return;
    s.on('error', () => undefined);
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => undefined);
    if (state === 'refuse') return reset(client);
    if (state === 'hold') {
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    piped.add(client).add(upstream);
    const end = () => {
      piped.delete(client);
      piped.delete(upstream);
      reset(client);
      reset(upstream);
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
    upstream.on('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const dropAll = () => {
    for (const s of [...piped]) reset(s);
    piped.clear();
  };

  return {
    host: '127.0.0.1',
    port,
    url(targetUrl) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString().replace(/\/$/, '');
    },
    get state() {
      return state;
    },
    get connections() {
      // Each piped connection is two sockets.
      return piped.size / 2;
    },
    cut(mode = 'refuse') {
      state = mode;
      dropAll();
    },
    restore() {
      state = 'open';
      for (const s of [...held]) reset(s);
      held.clear();
    },
    async close() {
      state = 'refuse';
      dropAll();
      for (const s of [...held]) reset(s);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** host and port of a redis:// or postgres:// URL. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}
