import WebSocket from 'ws';
import type { SocketFactory, SocketLike } from './connection.js';

/** A socket factory for Node (bots, tests, the load generator): `ws` with the session cookie on the upgrade. */
export function nodeSocketFactory(cookie: () => string | undefined): SocketFactory {
  return (url) => {
    const c = cookie();
    return new WebSocket(url, c ? { headers: { cookie: c } } : {}) as unknown as SocketLike;
  };
}
