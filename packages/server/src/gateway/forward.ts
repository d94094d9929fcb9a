import { WebSocket, type RawData } from 'ws';
import { CloseCodes } from '@metaoffice/protocol';

/** Frames from the owner node (the People list of a 10,000-person organisation is about 1 MB). */
const OWNER_FRAME_LIMIT = 64 * 1024 * 1024;

/** The header a node sets on a connection it forwards to an office's owner: the lease token it routed by. */
export const FORWARDED_HEADER = 'x-metaoffice-forwarded-lease';

export interface UpstreamTarget {
  /** The owner node's base URL (http or https). */
  url: string;
  /** The fencing token of the owner's lease, as the forwarding node saw it. */
  token: number;
}

/** What of the client's own request travels on, so the owner authenticates and checks the person itself. */
export interface ForwardedRequest {
  cookie: string | undefined;
  origin: string | undefined;
  clientAddress: string | undefined;
}

/**
 * Opens a WebSocket to the office's owner on behalf of a client. Resolves once it is open, or rejects when the owner
 * cannot be reached (it died; the caller routes again).
 */
export function openUpstream(target: UpstreamTarget, req: ForwardedRequest, timeoutMs = 3000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const url = `${target.url.replace(/^http/, 'ws')}/ws`;
    const headers: Record<string, string> = { [FORWARDED_HEADER]: String(target.token) };
    if (req.cookie) headers.cookie = req.cookie;
    if (req.origin) headers.origin = req.origin;
    if (req.clientAddress) headers['x-forwarded-for'] = req.clientAddress;
    // The owner is another node of this cluster: its frames are not limited like a client's (a welcome carries the
    // whole People list, well over the client frame limit in a large organisation).
    const upstream = new WebSocket(url, { headers, maxPayload: OWNER_FRAME_LIMIT, handshakeTimeout: timeoutMs, skipUTF8Validation: true });
    const fail = (err: Error) => {
      upstream.removeAllListeners();
      upstream.on('error', () => undefined);
      upstream.terminate();
      reject(err);
    };
    upstream.once('open', () => {
      upstream.removeListener('error', fail);
      resolve(upstream);
    });
    upstream.once('error', fail);
    upstream.once('unexpected-response', (_req, res) => fail(new Error(`the owner answered ${res.statusCode} to the upgrade`)));
  });
}

/**
 * Joins the client's socket and the owner's, frame for frame, text stays text and binary stays binary. Whichever side
 * closes, the other follows; the owner's close code reaches the client unchanged (so "signed out" stays terminal),
 * except when the owner vanished without one, which the client hears as "going away: reconnect".
 */
export function pipeSockets(client: WebSocket, upstream: WebSocket, onEnd: () => void): { toUpstream(bytes: Buffer, isBinary: boolean): void } {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  upstream.on('message', (data: RawData, isBinary: boolean) => {
    if (client.readyState === client.OPEN) client.send(data as Buffer, { binary: isBinary });
  });
  upstream.on('close', (code: number, reason: Buffer) => {
    end();
    if (client.readyState !== client.OPEN) return;
    if (sendableCode(code)) client.close(code, reason.toString('utf8'));
    else client.close(CloseCodes.GOING_AWAY, 'the office server went away');
  });
  upstream.on('error', () => undefined);
  client.on('close', () => {
    end();
    if (upstream.readyState === upstream.OPEN || upstream.readyState === upstream.CONNECTING) upstream.close(1000, 'client left');
  });
  return {
    toUpstream(bytes, isBinary) {
      if (upstream.readyState === upstream.OPEN) upstream.send(bytes, { binary: isBinary });
    },
  };
}

/** Codes a WebSocket endpoint may send; 1005, 1006 and 1015 only ever describe a connection that ended without one. */
function sendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
