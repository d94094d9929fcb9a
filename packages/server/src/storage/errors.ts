export type StorageErrorCode = 'EMAIL_TAKEN' | 'NOT_FOUND' | 'CONFLICT' | 'DB_UNAVAILABLE';

/** The only error type the storage layer means to throw; callers branch on `code`. */
export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a driver error means to us, across better-sqlite3, pg and Kysely's own errors. */
export type DbFailure = 'unique' | 'foreign_key' | 'unavailable';

const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|CORRUPT|NOTADB|PROTOCOL)/;
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);
// PostgreSQL SQLSTATEs meaning "the server cannot serve you now": admin/crash shutdown, cannot connect now,
// too many connections, out of disk/memory.
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '53100', '53200']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Cannot use a pool after calling end',
  'is not queryable',
  'The database connection is not open',
  'driver has already been destroyed',
];

export function classifyDbError(err: unknown): DbFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return 'unique';
    }
    if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
    if (SQLITE_UNAVAILABLE.test(code) || NET_CODES.has(code) || PG_UNAVAILABLE.has(code) || code.startsWith('08')) {
      return 'unavailable';
    }
  }
  if (UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m))) return 'unavailable';
  // Node reports a refused dual-stack connect as an AggregateError of per-address errors.
  if (err instanceof AggregateError && err.errors.some((e) => classifyDbError(e) === 'unavailable')) {
    return 'unavailable';
  }
  return undefined;
}

export function unavailable(err: unknown): StorageError {
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageError('DB_UNAVAILABLE', `database unavailable: ${detail}`, { cause: err });
}
