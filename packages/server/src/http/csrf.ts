import type { IncomingHttpHeaders } from 'node:http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery defence for cookie-authenticated requests, after Go's net/http CrossOriginProtection:
 * browsers tell us where a request comes from (Fetch Metadata's Sec-Fetch-Site, else Origin), and pages cannot
 * forge either header. A request with neither did not come from a modern browser, so no ambient cookie was
 * borrowed, and it passes. See docs/security.md.
 *
 * `requireForSafe` checks GET too: the WebSocket handshake is a GET that opens a long-lived, authenticated channel.
 */
export function isCrossOrigin(
  method: string,
  headers: IncomingHttpHeaders,
  trustedOrigins: ReadonlySet<string>,
  opts: { requireForSafe?: boolean } = {},
): boolean {
  if (!opts.requireForSafe && SAFE_METHODS.has(method)) return false;
  const site = one(headers['sec-fetch-site']);
  const origin = one(headers.origin);
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return false;
    return !(origin !== undefined && trustedOrigins.has(origin));
  }
  if (origin === undefined) return false;
  if (trustedOrigins.has(origin)) return false;
  try {
    // Host carries no scheme, so http→https on the same host passes; HSTS covers that case in production.
    return new URL(origin).host !== one(headers.host);
  } catch {
    // "null" (sandboxed frames, file: pages) and garbage are never our own pages.
    return true;
  }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
