import { randomUUID } from 'node:crypto';

/** Bad input to the fake's own API (seeding, configuration): a programming error in the test, not a Graph answer. */
export class FakeMicrosoftError extends Error {
  readonly code = 'FAKE_MS_INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'FakeMicrosoftError';
  }
}

/** A Graph-shaped failure that a model rule raises and the dispatcher turns into the documented error body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function graphErrorBody(
  code: string,
  message: string,
  nowMs: number,
  requestId: string = randomUUID(),
  clientRequestId: string = requestId,
): GraphErrorBody {
  return {
    error: {
      code,
      message,
      // Graph writes the date without milliseconds.
      innerError: { date: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}
