export { systemClock, realSleep, sleepUntil, type Clock, type Sleep } from './clock.js';
export { GRAPH_PRIORITIES, type GraphPriority } from './priority.js';
export {
  GraphGatewayError,
  GraphArgumentError,
  GraphAuthError,
  GraphConsentError,
  GraphNotFoundError,
  GraphThrottledError,
  GraphShedError,
  GraphUnavailableError,
  GraphRequestError,
  type GraphErrorCode,
  type GraphErrorDetail,
  type UnavailableReason,
} from './errors.js';
export {
  GRAPH_LIMITS,
  DIRECTORY_COST,
  limitsFor,
  mergeLimits,
  gateKey,
  ALL_TENANTS,
  graphPathSegments,
  directoryLimitFor,
  type LimitFamily,
  type LimitScope,
  type LimitSpec,
  type LimitName,
  type LimitDraw,
  type LimitContext,
  type RequestLimits,
} from './limits.js';
export { MemoryBucketStore, type BucketStore, type BucketDraw, type BucketTake, type ReserveOptions } from './buckets.js';
export { RedisBucketStore, createBucketStore, type RedisBucketStoreOptions, type BucketStoreChoice } from './redis-buckets.js';
export { LimitGovernor, DEFAULT_MAX_WAIT_MS, DEFAULT_KEEP_FRACTION, type LimitGovernorOptions } from './governor.js';
export { parseRetryAfter } from './retry-after.js';
export { MAX_BATCH_SIZE, splitBatch } from './batch.js';
export { RETRYABLE_STATUSES, type TokenSource, type BreakerOptions } from './transport.js';
export {
  GraphGateway,
  DEFAULT_GRAPH_BASE_URL,
  MAX_PRESENCE_IDS,
  presenceSubscriptionResource,
  splitGraphBaseUrl,
  type GraphGatewayOptions,
  type CallOptions,
} from './gateway.js';
export type {
  GraphObserver,
  GraphRequestEvent,
  GraphThrottleEvent,
  GraphRetryEvent,
  GraphBudgetEvent,
  BreakerState,
} from './observer.js';
export type * from './graph-types.js';
