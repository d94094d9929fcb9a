import type { DestinationStream, LoggerOptions } from 'pino';

export const REDACTED = '[redacted]';

/**
 * Keys whose values never reach a log line, at any depth: credentials, session and invite tokens, cookies, anything
 * people say to each other (chat text, call signalling), and Teams channel ids and names. DESIGN §5: secrets are never
 * logged, chat and channels are not kept anywhere.
 */
const SECRET_KEY = /^(password|passwordhash|password_hash|newpassword|token|invitetoken|tokenhash|token_hash|cookie|cookies|set-cookie|authorization|proxy-authorization|secret|credential|credentials|text|message_text|sdp|candidate|signal|confirm|av_json|avjson|channelid|channel_id|channelname|channel_name|channelsealed|channel_sealed)$/i;
/** Path segments that are bearer secrets themselves: /api/invites/<token>, /invite/<token>. */
const TOKEN_IN_PATH = /(\/invites?\/)[^/?#]+/gi;

/** Keeps the path of a URL but never a token in it nor a query value. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(TOKEN_IN_PATH, `$1${REDACTED}`);
  if (q < 0) return path;
  const keys = url.slice(q + 1).split('&').map((kv) => kv.split('=')[0]).filter(Boolean);
  return `${path}?${keys.map((k) => `${k}=${REDACTED}`).join('&')}`;
}

/** Replaces secret-named values in plain objects and arrays; class instances (errors, requests) are serialised by pino. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k)) out[k] = REDACTED;
    else if ((k === 'url' || k === 'originalUrl') && typeof v === 'string') out[k] = scrubUrl(v);
    else out[k] = scrub(v, depth + 1);
  }
  return out;
}

interface RequestLike {
  method: string;
  url: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * The one pino configuration of the server. Fastify's own request serializer is replaced so the URL is scrubbed;
 * headers are not logged at all, and the redact paths catch them should anyone add them to a log call.
 */
export function loggerOptions(level: string, stream?: DestinationStream): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: [
        'req.headers.cookie', 'req.headers.authorization', 'req.headers["set-cookie"]', 'req.body',
        'res.headers["set-cookie"]', 'headers.cookie', 'headers.authorization', 'headers["set-cookie"]',
        'body', 'payload',
      ],
      censor: REDACTED,
    },
    serializers: {
      req: (req: RequestLike) => ({ method: req.method, url: scrubUrl(req.url), host: req.hostname, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
    },
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
  };
}
