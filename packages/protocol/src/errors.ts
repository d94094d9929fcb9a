import { Type, type Static } from '@sinclair/typebox';

/**
 * Every error a client can see carries one of these codes, so it can branch on the code rather than on text.
 * HTTP answers them in a problem body; WebSocket answers them in an `error` message (and a close code when the
 * connection cannot go on).
 */
export const ErrorCodes = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'SESSION_REPLACED',
  'FORBIDDEN',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'BAD_CREDENTIALS',
  'INVITE_INVALID',
  'RATE_LIMITED',
  'CLIENT_TOO_OLD',
  'SERVER_TOO_OLD',
  'HELLO_REQUIRED',
  'UNKNOWN_MESSAGE',
  'MALFORMED_MESSAGE',
  'MOVE_REJECTED',
  'OFFICE_NOT_FOUND',
  'PERSON_NOT_FOUND',
  'NO_FREE_TILE',
  'CONVERSATION_FULL',
  'CONVERSATION_LOCKED',
  'PERSON_IN_FOCUS',
  'ROOM_FULL',
  'NOT_IN_CONVERSATION',
  'UNAVAILABLE',
  'INTERNAL',
  /** A write came from another site (cross-site request forgery defence); see docs/security.md. */
  'CROSS_ORIGIN_REQUEST',
  /** Too many failed sign-ins for this account; the problem body's detail and Retry-After say how long. */
  'ACCOUNT_LOCKED',
  /** The password is one of the most common ones, or the e-mail address itself. */
  'WEAK_PASSWORD',
  /** A map upload replaces a version of the office's map that is no longer the current one (409). */
  'MAP_VERSION_CONFLICT',
  /** Someone else holds the office's edit lease (423): one editor at a time; the message names them. */
  'OFFICE_BEING_EDITED',
  /** The editor's lease on an office ran out or was taken over (another tab); save nothing, take it again. */
  'EDIT_LEASE_LOST',
  /** A destructive request did not carry the confirmation it needs (the organisation's name). */
  'CONFIRMATION_REQUIRED',
  /** The last admin cannot leave an organisation that still has other people in it. */
  'LAST_ADMIN',
  /** Teams mode: Microsoft 365 needs the person (or an admin, for admin-consent scopes) to consent first. */
  'CONSENT_REQUIRED',
  /** Teams mode: Microsoft 365 (Entra ID or Graph) is not answering; the office itself keeps working. */
  'MICROSOFT_UNAVAILABLE',
  /** Teams mode: Microsoft 365 refused or could not find what was asked (no admin consent, gone, not a member). */
  'MICROSOFT_REFUSED',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

/** RFC 9457-style problem body used by every HTTP error. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.Union(ErrorCodes.map((c) => Type.Literal(c))),
    detail: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },

);
export type Problem = Static<typeof Problem>;

/** WebSocket close codes (4000–4999 is the application range). */
export const CloseCodes = {
  /** Protocol version mismatch; the reason says CLIENT_TOO_OLD or SERVER_TOO_OLD. */
  VERSION_MISMATCH: 4000,
  /** Another tab or device of the same user took over; do not reconnect automatically. */
  REPLACED: 4001,
  /** No valid session, or it expired; sign in again. */
  UNAUTHENTICATED: 4002,
  /** The office does not exist or belongs to another organisation. */
  FORBIDDEN: 4003,
  /** The client broke the protocol repeatedly (too many malformed messages). */
  PROTOCOL_ERROR: 4004,
  /** The server is shutting down; reconnect with back-off. */
  GOING_AWAY: 1001,
  /** Frame larger than the server accepts. */
  TOO_BIG: 1009,
} as const;

/** Close codes after which a client must not reconnect by itself. */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCodes.VERSION_MISMATCH,
  CloseCodes.REPLACED,
  CloseCodes.UNAUTHENTICATED,
  CloseCodes.FORBIDDEN,
]);

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
