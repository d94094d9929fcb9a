import { Redis } from 'ioredis';
import { MemoryBucketStore, validateDraws, type BucketDraw, type BucketStore, type BucketTake, type ReserveOptions } from './buckets.js';
import { systemClock, type Clock } from './clock.js';

/**
 * The reservation of `decideReservation` (buckets.ts), atomically in Redis, so every node of a cluster draws from one
 * budget. KEYS: the n bucket hashes, then the gate keys. ARGV: now, maxWaitMs, keepFraction, n, then cost, capacity,
 * refillPerMs per bucket. Returns {granted (0|1), waitMs as a string} (Lua numbers would be truncated to integers).
 * Buckets expire once they would be full again, gates once they have opened, so idle tenants leave nothing behind.
 */
const RESERVE_LUA = `
local now = tonumber(ARGV[1])
local maxWait = tonumber(ARGV[2])
local keepFraction = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local wait = 0
for g = n + 1, #KEYS do
  local untilMs = tonumber(redis.call('GET', KEYS[g]) or '0')
  if untilMs - now > wait then wait = untilMs - now end
end
local tokens = {}
local stamps = {}
for i = 1, n do
  local base = 5 + (i - 1) * 3
  local cost = tonumber(ARGV[base])
  local capacity = tonumber(ARGV[base + 1])
  local refill = tonumber(ARGV[base + 2])
  local state = redis.call('HMGET', KEYS[i], 't', 'u')
  local t = capacity
  local stamp = now
  if state[1] then
    local updated = tonumber(state[2])
    t = math.min(capacity, tonumber(state[1]) + math.max(0, now - updated) * refill)
    if updated > now then stamp = updated end
  end
  tokens[i] = t
  stamps[i] = stamp
  local needed = cost + keepFraction * capacity
  if needed > capacity then return {0, 'inf'} end
  if t < needed then
    local w = (needed - t) / refill
    if w > wait then wait = w end
  end
end
if wait > maxWait then return {0, tostring(wait)} end
for i = 1, n do
  local base = 5 + (i - 1) * 3
  local cost = tonumber(ARGV[base])
  local capacity = tonumber(ARGV[base + 1])
  local refill = tonumber(ARGV[base + 2])
  local left = tokens[i] - cost
  redis.call('HSET', KEYS[i], 't', tostring(left), 'u', tostring(stamps[i]))
  redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - left) / refill) + 1000)
end
return {1, tostring(wait)}
`;

/** Closes a gate until ARGV[1] unless it is already closed for longer; ARGV[2] is the key's time to live. */
const BLOCK_LUA = `
local untilMs = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;

/** Margin on key lifetimes, so a key never vanishes a moment before its state stops mattering. */
const TTL_MARGIN_MS = 1_000;

/** A script defined with `defineCommand`: the key count first unless the definition fixed it. */
type ScriptCommand = (this: Redis, ...args: Array<string | number>) => Promise<unknown>;

export interface RedisBucketStoreOptions {
  /** A connected client the caller owns, or a URL (then the store owns and closes its client). */
  readonly redis: Redis | string;
  /** Prefix of every key (one per app and environment); the tests use a unique one per run. */
  readonly keyPrefix?: string;
  /** Only used for the lifetime of gate keys; reservations take `now` from the caller. */
  readonly clock?: Clock;
}

/**
 * Buckets shared by every node through one Redis (a single instance or primary; the multi-key script needs all keys
 * in one slot, so Redis Cluster would need a hash-tagged prefix such as `metaoffice:{graph}:`).
 */
export class RedisBucketStore implements BucketStore {
  readonly keyPrefix: string;
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly clock: Clock;
  private readonly reserveScript: ScriptCommand;
  private readonly blockScript: ScriptCommand;

  constructor(options: RedisBucketStoreOptions) {
    this.ownsClient = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 2 }) : options.redis;
    this.keyPrefix = options.keyPrefix ?? 'metaoffice:graph:';
    this.clock = options.clock ?? systemClock;
    this.redis.defineCommand('metaofficeGraphReserve', { lua: RESERVE_LUA });
    this.redis.defineCommand('metaofficeGraphBlock', { lua: BLOCK_LUA, numberOfKeys: 1 });
    const commands = this.redis as unknown as Record<string, ScriptCommand>;
    this.reserveScript = commands['metaofficeGraphReserve'] as ScriptCommand;
    this.blockScript = commands['metaofficeGraphBlock'] as ScriptCommand;
  }

  async take(key: string, cost: number, capacity: number, refillPerMs: number, now: number): Promise<BucketTake> {
    return this.reserve([{ key, cost, capacity, refillPerMs }], now);
  }

  async reserve(draws: readonly BucketDraw[], now: number, options: ReserveOptions = {}): Promise<BucketTake> {
    validateDraws(draws, options);
    const gates = options.gates ?? [];
    const keys = [...draws.map((d) => this.keyPrefix + d.key), ...gates.map((g) => this.keyPrefix + g)];
    const args: Array<string | number> = [now, options.maxWaitMs ?? 0, options.keepFraction ?? 0, draws.length];
    for (const d of draws) args.push(d.cost, d.capacity, d.refillPerMs);
    const [granted, wait] = (await this.reserveScript.call(this.redis, keys.length, ...keys, ...args)) as [number, string];
    return { granted: granted === 1, waitMs: wait === 'inf' ? Infinity : Number(wait) };
  }

  async block(key: string, untilMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(untilMs - this.clock.now())) + TTL_MARGIN_MS;
    await this.blockScript.call(this.redis, this.keyPrefix + key, untilMs, ttl);
  }

  async blockedUntil(key: string): Promise<number> {
    const value = await this.redis.get(this.keyPrefix + key);
    return value === null ? 0 : Number(value);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit();
  }
}

export interface BucketStoreChoice {
  /** `REDIS_URL`: set in a cluster, so all nodes share one budget; unset, the budget is this process's. */
  readonly redisUrl?: string | undefined;
  readonly keyPrefix?: string;
  readonly clock?: Clock;
}

export function createBucketStore(choice: BucketStoreChoice = {}): BucketStore {
  if (choice.redisUrl === undefined || choice.redisUrl === '') return new MemoryBucketStore();
  return new RedisBucketStore({
    redis: choice.redisUrl,
    ...(choice.keyPrefix !== undefined ? { keyPrefix: choice.keyPrefix } : {}),
    ...(choice.clock !== undefined ? { clock: choice.clock } : {}),
  });
}
