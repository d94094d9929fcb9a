import type { GraphPriority } from './priority.js';

/** The codes a caller (and through it the UI) can branch on. */
export type GraphErrorCode =
  | 'GRAPH_INVALID_ARGUMENT'
  | 'GRAPH_TOKEN_REJECTED'
  | 'GRAPH_CONSENT_REQUIRED'
  | 'GRAPH_NOT_FOUND'
  | 'GRAPH_THROTTLED'
  | 'GRAPH_SHED'
  | 'GRAPH_UNAVAILABLE'
  | 'GRAPH_REQUEST_FAILED';

/** What Microsoft Graph said about a failed request, when it said anything. */
export interface GraphErrorDetail {
  status?: number;
  /** The `error.code` of Graph's error body, e.g. `Forbidden`, `InvalidAuthenticationToken`. */
  graphCode?: string;
  graphMessage?: string;
  requestId?: string;
  tenantId?: string;
}

/** Base of every error this package throws on purpose. */
export abstract class GraphGatewayError extends Error {
  abstract readonly code: GraphErrorCode;
  readonly status: number | undefined;
  readonly graphCode: string | undefined;
  readonly graphMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly tenantId: string | undefined;

  constructor(message: string, detail: GraphErrorDetail = {}) {
    super(message);
    this.name = new.target.name;
    this.status = detail.status;
    this.graphCode = detail.graphCode;
    this.graphMessage = detail.graphMessage;
    this.requestId = detail.requestId;
    this.tenantId = detail.tenantId;
  }
}

/** A caller passed a value that can never be right (a programming error, not a Graph failure). */
export class GraphArgumentError extends GraphGatewayError {
  readonly code = 'GRAPH_INVALID_ARGUMENT';
}

/** 401: Graph rejected the token (expired, wrong audience, wrong tenant). Sign in again. */
export class GraphAuthError extends GraphGatewayError {
  readonly code = 'GRAPH_TOKEN_REJECTED';
}

/**
 * 403: the app or user lacks a permission, usually because an admin has not consented to an admin-consent scope.
 * `scope` names the permission the call needs when the gateway knows it.
 */
export class GraphConsentError extends GraphGatewayError {
  readonly code = 'GRAPH_CONSENT_REQUIRED';
  readonly scope: string | undefined;
  readonly adminConsentRequired: boolean;

  constructor(scope: string | undefined, adminConsentRequired: boolean, detail: GraphErrorDetail = {}) {
    super(
      scope === undefined
        ? 'Microsoft Graph refused the request: a permission is missing or not consented'
        : `Microsoft Graph refused the request: it needs the ${scope} permission${adminConsentRequired ? ', which an administrator must consent to' : ''}`,
      detail,
    );
    this.scope = scope;
    this.adminConsentRequired = adminConsentRequired;
  }
}

/** 404: the user, team or subscription does not exist (or is not visible to this token). */
export class GraphNotFoundError extends GraphGatewayError {
  readonly code = 'GRAPH_NOT_FOUND';
}

/** 429 after every permitted retry, or a Retry-After longer than this call may wait. */
export class GraphThrottledError extends GraphGatewayError {
  readonly code = 'GRAPH_THROTTLED';
  /** How long Graph asked us to wait, when it said; the UI can offer "try again in N s". */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs: number | undefined, detail: GraphErrorDetail = {}) {
    super(message, detail);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The governor refused to send: the budget could not cover the request soon enough for its priority. */
export class GraphShedError extends GraphGatewayError {
  readonly code = 'GRAPH_SHED';
  readonly priority: GraphPriority;
  /** The limit family whose budget was short, for logs and metrics. */
  readonly limit: string;
  /** How long the request would have had to wait (Infinity when the budget can never cover it). */
  readonly waitMs: number;

  constructor(priority: GraphPriority, limit: string, waitMs: number, tenantId: string) {
    super(
      `Microsoft Graph budget for ${limit} cannot cover this ${priority} request now (it would wait ${Number.isFinite(waitMs) ? `${Math.ceil(waitMs)} ms` : 'forever'})`,
      { tenantId },
    );
    this.priority = priority;
    this.limit = limit;
    this.waitMs = waitMs;
  }
}

export type UnavailableReason = 'circuit-open' | 'server-error' | 'timeout' | 'network';

/**
 * Microsoft 365 does not answer: 5xx after retries, time-outs, network errors, or the tenant's circuit breaker is open
 * (then the call fails at once instead of hanging). The message is what the UI shows.
 */
export class GraphUnavailableError extends GraphGatewayError {
  readonly code = 'GRAPH_UNAVAILABLE';
  readonly reason: UnavailableReason;

  constructor(reason: UnavailableReason, detail: GraphErrorDetail = {}, cause?: unknown) {
    super('Microsoft 365 is not answering', detail);
    this.reason = reason;
    if (cause !== undefined) this.cause = cause;
  }
}

/** Any other refusal (400, 409, ...): the request itself was wrong; retrying will not help. */
export class GraphRequestError extends GraphGatewayError {
  readonly code = 'GRAPH_REQUEST_FAILED';
}
