import { ApiClient, ApiError } from '@metaoffice/client';
import type { ErrorCode } from '@metaoffice/protocol';

/** The one API client of the app: same origin, so the HttpOnly session cookie rides along. */
export const api = new ApiClient();

const messages: Partial<Record<ErrorCode, string>> = {
  EMAIL_TAKEN: 'An account with this e-mail already exists. Sign in instead?',
  BAD_CREDENTIALS: 'That e-mail and password do not match.',
  VALIDATION_FAILED: 'Please check the form: something is missing or too short.',
  INVITE_INVALID: 'This invitation link is no longer valid. Ask for a new one.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  UNAUTHENTICATED: 'Please sign in.',
  SESSION_EXPIRED: 'Your session expired. Please sign in again.',
  FORBIDDEN: 'You do not have permission to do that.',
  NOT_FOUND: 'That could not be found.',
  OFFICE_NOT_FOUND: 'This office does not exist or belongs to another organisation.',
  PERSON_NOT_FOUND: 'That person is not in the office any more.',
  NO_FREE_TILE: 'There is no free spot next to them right now.',
  UNAVAILABLE: 'MetaOffice cannot be reached. Check your connection and try again.',
  PAYLOAD_TOO_LARGE: 'That is too long.',
  CLIENT_TOO_OLD: 'MetaOffice was updated. Reload the page.',
  SERVER_TOO_OLD: 'The server runs an older MetaOffice. Try again in a moment.',
  CONSENT_REQUIRED: 'Microsoft 365 needs your permission (or an administrator\'s) before MetaOffice can do that.',
  MICROSOFT_UNAVAILABLE: 'Microsoft 365 is not answering. Try again in a moment.',
  MICROSOFT_REFUSED: 'Microsoft 365 refused that: you may not be a member of this team, or an administrator has not approved MetaOffice.',
};

/** A sentence for a person, from an error's typed code; the server's detail helps for validation errors. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'VALIDATION_FAILED' && err.problem?.errors?.length) {
      return `Please check the form: ${err.problem.errors.map((e) => `${fieldName(e.path)} ${e.message}`).join('; ')}.`;
    }
    return messages[err.code] ?? (err.message || 'Something went wrong. Please try again.');
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in messages) return messages[code as ErrorCode]!;
  return 'Something went wrong. Please try again.';
}

export function errorCode(err: unknown): ErrorCode | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}

function fieldName(path: string): string {
  const last = path.split('/').filter(Boolean).pop();
  return last ? last.replace(/([A-Z])/g, ' $1').toLowerCase() : 'a field';
}
