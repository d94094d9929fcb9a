/**
 * The wire protocol version. Bump it whenever a message changes shape; the server refuses clients it cannot
 * understand with a clear "client too old" / "server too old" error instead of misreading their bytes.
 */
export const PROTOCOL_VERSION = 2;

/**
 * The oldest client protocol this server still speaks. Version 2 sends avatars coming into and out of view as a binary
 * AOI frame with names asked for once (`who`), instead of JSON with every name on every enter.
 */
export const MIN_CLIENT_PROTOCOL = 2;

export type VersionVerdict = { ok: true } | { ok: false; code: 'CLIENT_TOO_OLD' | 'SERVER_TOO_OLD' };

export function checkClientVersion(clientVersion: number, serverVersion = PROTOCOL_VERSION, minClient = MIN_CLIENT_PROTOCOL): VersionVerdict {
  if (clientVersion < minClient) return { ok: false, code: 'CLIENT_TOO_OLD' };
  if (clientVersion > serverVersion) return { ok: false, code: 'SERVER_TOO_OLD' };
  return { ok: true };
}
