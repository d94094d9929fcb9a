/**
 * The wire protocol version. Bump it whenever a message changes shape; the server refuses clients it cannot
 * understand with a clear "client too old" / "server too old" error instead of misreading their bytes.
 */
export const PROTOCOL_VERSION = 1;

/** The oldest client protocol this server still speaks. */
export const MIN_CLIENT_PROTOCOL = 1;

export type VersionVerdict = { ok: true } | { ok: false; code: 'CLIENT_TOO_OLD' | 'SERVER_TOO_OLD' };

export function checkClientVersion(clientVersion: number, serverVersion = PROTOCOL_VERSION, minClient = MIN_CLIENT_PROTOCOL): VersionVerdict {
  if (clientVersion < minClient) return { ok: false, code: 'CLIENT_TOO_OLD' };
  if (clientVersion > serverVersion) return { ok: false, code: 'SERVER_TOO_OLD' };
  return { ok: true };
}
