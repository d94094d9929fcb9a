import type { LimitFamily } from './limits.js';
import type { GraphPriority } from './priority.js';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** One attempt that reached the wire (or failed on it). */
export interface GraphRequestEvent {
  readonly tenantId: string;
  readonly family: LimitFamily;
  readonly method: string;
  /** The HTTP status, or how the attempt failed without one. */
  readonly status: number | 'timeout' | 'network-error';
  readonly durationMs: number;
  /** 0 for the first attempt, then 1, 2, ... for retries. */
  readonly attempt: number;
}

export interface GraphThrottleEvent {
  readonly tenantId: string;
  readonly family: LimitFamily;
  /** 429, 503 or 504. */
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  /** True for a per-item answer inside a `$batch`. */
  readonly batchItem: boolean;
}

export interface GraphRetryEvent {
  readonly tenantId: string;
  readonly family: LimitFamily;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface GraphBudgetEvent {
  readonly tenantId: string;
  readonly family: LimitFamily;
  readonly priority: GraphPriority;
  readonly waitMs: number;
}

/**
 * Hooks for metrics (the server wires them to prom-client; this package has no metrics dependency). Every hook is
 * optional and called synchronously; an exception thrown by a hook is swallowed, so metrics can never fail a request.
 */
export interface GraphObserver {
  onRequest?(event: GraphRequestEvent): void;
  onThrottled?(event: GraphThrottleEvent): void;
  onRetry?(event: GraphRetryEvent): void;
  /** The governor refused a request. */
  onShed?(event: GraphBudgetEvent): void;
  /** The governor admitted a request after `waitMs` (0 when the budget covered it at once). */
  onAdmitted?(event: GraphBudgetEvent): void;
  onBreakerStateChange?(event: { readonly tenantId: string; readonly state: BreakerState }): void;
}

export function notify<K extends keyof GraphObserver>(observer: GraphObserver | undefined, hook: K, event: Parameters<NonNullable<GraphObserver[K]>>[0]): void {
  const fn = observer?.[hook] as ((e: typeof event) => void) | undefined;
  if (fn === undefined) return;
  try {
    fn.call(observer, event);
  } catch {
    // Metrics must never fail a Graph request.
  }
}
