import type { ErrorCode, Problem } from '@metaoffice/protocol';

/** A failure meant for the client: typed code, HTTP status and a message safe to show. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly errors?: Problem['errors'],
    /** Response headers that go with the problem, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toProblem(): Problem {
    return {
      type: `https://metaoffice.dev/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: this.message,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const unauthenticated = (expired = false) =>
  new AppError(expired ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED', 401, expired ? 'Your session expired; sign in again.' : 'Sign in first.');
export const forbidden = (msg = 'You cannot do that.') => new AppError('FORBIDDEN', 403, msg);
export const notFound = (what: string) => new AppError('NOT_FOUND', 404, `${what} not found.`);
