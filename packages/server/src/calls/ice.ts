import { createHmac } from 'node:crypto';
import type { IceServer } from '@metaoffice/protocol';
import type { Config } from '../config.js';

/**
 * ICE servers for one user's calls. TURN credentials follow the TURN REST scheme that coturn implements with
 * `use-auth-secret`: the username is `expiry:user`, the password the base64 HMAC-SHA1 of it with the shared secret,
 * so they expire by themselves and the secret never leaves the server.
 */
export function iceServersFor(config: Pick<Config, 'iceServers' | 'turn'>, userId: string, nowMs = Date.now()): IceServer[] {
  const servers: IceServer[] = config.iceServers.map((s) => ({ ...s }));
  if (config.turn) {
    const username = `${Math.floor(nowMs / 1000) + config.turn.ttlSeconds}:${userId}`;
    const credential = createHmac('sha1', config.turn.secret).update(username).digest('base64');
    servers.push({ urls: config.turn.urls, username, credential });
  }
  return servers;
}
