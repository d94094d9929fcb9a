import { AuthenticationHandlerOptions, type Context, type Middleware, type MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleType,
  retry,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { sleepUntil } from './clock.js';
import { GraphArgumentError, GraphUnavailableError } from './errors.js';
import type { LimitGovernor } from './governor.js';
import type { RequestLimits } from './limits.js';
import { notify, type BreakerState, type GraphObserver } from './observer.js';
import type { GraphPriority } from './priority.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * Where a call's bearer token comes from: app-only or delegated, the server decides (and does MSAL); the gateway asks
 * for a token on every attempt, so a source may refresh between retries.
 */
export interface TokenSource {
  readonly tenantId: string;
  /** The signed-in user's object id for delegated tokens; needed where Graph limits per user (online meetings). */
  readonly userId?: string;
  getToken(): Promise<string>;
}

/** Statuses that mean "later, not never": throttling and an overloaded or unreachable service. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/**
 * What one Graph call carries through the SDK's middleware chain. The SDK turns any error a middleware throws into
 * its own untyped GraphError, so the transport also leaves the typed failure here for the gateway to rethrow.
 */
export class GraphCallOptions implements MiddlewareOptions {
  failure: unknown = undefined;

  constructor(
    readonly source: TokenSource,
    readonly limits: RequestLimits,
    readonly priority: GraphPriority,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** An attempt that never got an HTTP answer. */
class TransportFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network-error',
    cause: unknown,
  ) {
    super(`Graph request failed: ${kind}`, { cause });
  }
}

/** The token source failed: the server's own error (e.g. consent required), passed through untouched and never retried. */
class TokenSourceFailure extends Error {
  constructor(readonly original: unknown) {
    super('Token source failed');
  }
}

/** One answered attempt. The body is already read, so the per-attempt timeout covers the whole exchange. */
interface AttemptOutcome {
  readonly response: Response;
  readonly retryAfterMs: number | undefined;
  /** The server asked for a longer pause than this call may sit out: hand the answer back instead of retrying. */
  readonly giveUp: boolean;
}

function isOutcome(value: unknown): value is AttemptOutcome {
  return typeof value === 'object' && value !== null && 'response' in value && 'giveUp' in value;
}

/**
 * Back-off that defers to the server: after an answer with Retry-After the pause is done by the transport (with the
 * injected clock, re-checking the gates), so cockatiel waits 0; otherwise exponential back-off with jitter.
 */
class ServerAwareBackoff implements IBackoff<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly exponential: IBackoffFactory<unknown>,
    private readonly step: IBackoff<unknown> | undefined,
    readonly duration: number,
  ) {}

  static factory(exponential: IBackoffFactory<unknown>): IBackoffFactory<IRetryBackoffContext<unknown>> {
    return { next: (context) => new ServerAwareBackoff(exponential, undefined, 0).next(context) };
  }

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const result = context.result;
    if ('value' in result && isOutcome(result.value) && result.value.retryAfterMs !== undefined) {
      return new ServerAwareBackoff(this.exponential, this.step, 0);
    }
    const step = this.step ? this.step.next(undefined) : this.exponential.next(undefined);
    return new ServerAwareBackoff(this.exponential, step, step.duration);
  }
}

const BREAKER_STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export interface BreakerOptions {
  /** Consecutive failed attempts (5xx, time-outs, network errors; never 4xx or 429) that open the breaker. Default 5. */
  readonly consecutiveFailures?: number;
  /** How long an open breaker fails calls at once before letting one test call through. Default 10 s (real time). */
  readonly halfOpenAfterMs?: number;
}

/** One circuit breaker per tenant, so one tenant's outage never blocks another's calls. */
export class TenantBreakers {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly consecutiveFailures: number;
  private readonly halfOpenAfterMs: number;

  constructor(
    options: BreakerOptions = {},
    private readonly observer?: GraphObserver,
  ) {
    this.consecutiveFailures = options.consecutiveFailures ?? 5;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 10_000;
    if (!(this.consecutiveFailures >= 1) || !(this.halfOpenAfterMs >= 0)) {
      throw new GraphArgumentError('A breaker needs consecutiveFailures >= 1 and halfOpenAfterMs >= 0');
    }
  }

  for(tenantId: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(tenantId);
    if (breaker === undefined) {
      breaker = circuitBreaker(
        handleType(TransportFailure).orWhenResult((r) => isOutcome(r) && r.response.status >= 500),
        { halfOpenAfter: this.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.consecutiveFailures) },
      );
      breaker.onStateChange((state) => notify(this.observer, 'onBreakerStateChange', { tenantId, state: BREAKER_STATES[state] }));
      this.breakers.set(tenantId, breaker);
    }
    return breaker;
  }

  state(tenantId: string): BreakerState {
    const breaker = this.breakers.get(tenantId.toLowerCase());
    return breaker === undefined ? 'closed' : BREAKER_STATES[breaker.state];
  }

  states(): ReadonlyMap<string, BreakerState> {
    return new Map([...this.breakers].map(([tenant, b]) => [tenant, BREAKER_STATES[b.state]]));
  }
}

export interface GovernedTransportOptions {
  readonly governor: LimitGovernor;
  readonly breakers: TenantBreakers;
  readonly observer?: GraphObserver;
  /** Retries after the first attempt. Default 3. */
  readonly maxRetries?: number;
  /** A Retry-After longer than this is not sat out: the call fails with the 429/503 instead. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** Per attempt, including reading the body. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Back-off without Retry-After. Default cockatiel's decorrelated jitter from 250 ms up to 10 s. */
  readonly backoff?: IBackoffFactory<unknown>;
}

/**
 * The governor/retry/breaker middleware, first in the SDK's chain (then the SDK's AuthenticationHandler and
 * HTTPMessageHandler). Each attempt: wait out any Retry-After, pass the tenant's breaker, reserve the budget, get a
 * token, send, read the answer. 429/503/504 close the request's Retry-After gates and are retried; other 4xx never.
 */
export class GovernedTransport implements Middleware {
  readonly maxRetries: number;
  readonly maxRetryAfterMs: number;
  private readonly requestTimeoutMs: number;
  private readonly backoff: IBackoffFactory<unknown>;
  private nextMiddleware: Middleware | undefined;

  constructor(private readonly options: GovernedTransportOptions) {
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.backoff = options.backoff ?? new ExponentialBackoff({ initialDelay: 250, maxDelay: 10_000 });
    if (!(this.maxRetries >= 0) || !(this.requestTimeoutMs > 0) || !(this.maxRetryAfterMs >= 0)) {
      throw new GraphArgumentError('maxRetries and maxRetryAfterMs must be >= 0 and requestTimeoutMs > 0');
    }
  }

  setNext(next: Middleware): void {
    this.nextMiddleware = next;
  }

  /** The back-off used without Retry-After, for callers that pace their own re-sends (per-item `$batch` retries). */
  backoffSequence(): IBackoffFactory<unknown> {
    return this.backoff;
  }

  async execute(context: Context): Promise<void> {
    const call = context.middlewareControl?.getMiddlewareOptions(GraphCallOptions) as GraphCallOptions | undefined;
    if (call === undefined) throw new GraphArgumentError('Graph requests must go through GraphGateway, which says what they cost');
    try {
      context.response = await this.run(context, call);
    } catch (error) {
      call.failure = error;
      throw error;
    }
  }

  private async run(context: Context, call: GraphCallOptions): Promise<Response> {
    const { governor, observer } = this.options;
    const { tenantId, family } = call.limits;
    const breaker = this.options.breakers.for(tenantId);
    const pause = { until: 0 };
    const policy = retry(
      handleType(TransportFailure).orWhenResult((r) => isOutcome(r) && RETRYABLE_STATUSES.has(r.response.status) && !r.giveUp),
      { maxAttempts: this.maxRetries, backoff: ServerAwareBackoff.factory(this.backoff) },
    );
    policy.onRetry((event) => {
      const reason = 'error' in event ? event.error.message : isOutcome(event.value) ? `HTTP ${event.value.response.status}` : 'retry';
      const delayMs = Math.max(event.delay, pause.until - governor.clock.now());
      notify(observer, 'onRetry', { tenantId, family, attempt: event.attempt, delayMs, reason });
    });
    try {
      const outcome = await policy.execute(async ({ attempt }) => {
        await sleepUntil(governor.clock, governor.sleep, pause.until);
        return breaker.execute(() => this.attempt(context, call, attempt, pause));
      }, call.signal);
      return outcome.response;
    } catch (error) {
      if (error instanceof TokenSourceFailure) throw error.original;
      if (error instanceof BrokenCircuitError) throw new GraphUnavailableError('circuit-open', { tenantId }, error);
      if (error instanceof TransportFailure) throw new GraphUnavailableError(error.kind === 'timeout' ? 'timeout' : 'network', { tenantId }, error.cause);
      throw error;
    }
  }

  private async attempt(context: Context, call: GraphCallOptions, attempt: number, pause: { until: number }): Promise<AttemptOutcome> {
    const { governor, observer } = this.options;
    const { tenantId, family } = call.limits;
    await governor.acquire(call.limits, call.priority);

    let token: string;
    try {
      token = await call.source.getToken();
    } catch (error) {
      throw new TokenSourceFailure(error);
    }
    const control = context.middlewareControl;
    control?.setMiddlewareOptions(AuthenticationHandlerOptions, new AuthenticationHandlerOptions({ getAccessToken: async () => token }));

    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal]);
    // A fresh options object per attempt: the AuthenticationHandler appends to the headers it is given.
    const attemptContext: Context = {
      request: context.request,
      options: { ...context.options, headers: { ...(context.options?.headers as Record<string, string> | undefined) }, signal },
      ...(control !== undefined ? { middlewareControl: control } : {}),
      ...(context.customHosts !== undefined ? { customHosts: context.customHosts } : {}),
    };
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const startedAt = performance.now();
    let response: Response;
    try {
      if (this.nextMiddleware === undefined) throw new GraphArgumentError('GovernedTransport must be followed by the HTTP handler');
      await this.nextMiddleware.execute(attemptContext);
      const raw = attemptContext.response;
      if (raw === undefined) throw new GraphArgumentError('The HTTP handler gave no response');
      const body = raw.status === 204 || raw.status === 205 || raw.status === 304 ? null : await raw.arrayBuffer();
      response = new Response(body, { status: raw.status, statusText: raw.statusText, headers: raw.headers });
    } catch (error) {
      if (error instanceof GraphArgumentError || call.signal?.aborted) throw error;
      const kind = timeout.aborted ? 'timeout' : 'network-error';
      notify(observer, 'onRequest', { tenantId, family, method, status: kind, durationMs: performance.now() - startedAt, attempt });
      throw new TransportFailure(kind, error);
    }
    notify(observer, 'onRequest', { tenantId, family, method, status: response.status, durationMs: performance.now() - startedAt, attempt });

    if (!RETRYABLE_STATUSES.has(response.status)) return { response, retryAfterMs: undefined, giveUp: false };
    const receivedAt = governor.clock.now();
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), receivedAt);
    notify(observer, 'onThrottled', { tenantId, family, status: response.status, retryAfterMs, batchItem: false });
    if (retryAfterMs === undefined) return { response, retryAfterMs, giveUp: false };
    const until = receivedAt + retryAfterMs;
    await governor.holdOff(call.limits, until);
    pause.until = Math.max(pause.until, until);
    return { response, retryAfterMs, giveUp: retryAfterMs > this.maxRetryAfterMs };
  }
}
