import { Redis, type RedisOptions } from 'ioredis';
import type { ClusterConfig } from '../config.js';
import { LocalNodeDirectory, RedisNodeDirectory, type NodeDirectory } from './node-directory.js';
import { LeasedOwnership, SingleNodeOwnership, type OfficeOwnership } from './office-ownership.js';
import { MemoryLeaseStore, type LeaseStore } from './lease.js';
import { RedisLeaseStore } from './redis-lease-store.js';
import { parseJsonObject } from './wire.js';
import { parseAvatarSpec, type AvatarSpec } from '@metaoffice/maps/avatar';

/**
 * What one node tells all the others. Sessions and offices are changed through whichever node got the HTTP request,
 * but the connections they concern live on the node that owns the office.
 */
export type ClusterMessage =
  | { t: 'disconnect'; which: { userId?: string; orgId?: string; tokenHash?: string }; message: string }
  | { t: 'office.removed'; officeId: string }
  /** Someone saved a new avatar: the node running their office tells the office. */
  | { t: 'avatar'; userId: string; avatar: AvatarSpec }
  /** A new version of the office's map was stored: its owner switches the engine to it (or restarts it). */
  | { t: 'office.map'; officeId: string; version: number };

/**
 * The coordination adapter (DESIGN §4): in-process on a single node, Redis in a cluster. Everything else talks to this
 * small surface, never to Redis directly.
 */
export interface Coordination {
  readonly nodeId: string;
  readonly ownership: OfficeOwnership;
  readonly directory: NodeDirectory;
  /** Leases shared by every node (the office editor's), beside the office ownership leases. */
  readonly leases: LeaseStore;
  /** The Redis command connection in a cluster (shared limits, jobs, presence); undefined on a single node. */
  readonly redis: Redis | undefined;
  /** A second connection for subscriptions (a subscribed Redis connection cannot send commands). */
  readonly subscriber: Redis | undefined;
  readonly keyPrefix: string;
  /** Sends a message to every other node. */
  broadcast(msg: ClusterMessage): void;
  onMessage(fn: (msg: ClusterMessage) => void): void;
  /** Whether the coordination service answers (always, on a single node). */
  healthy(): Promise<boolean>;
  /** Joins the cluster at this address (known only once the HTTP server listens). */
  start(nodeUrl: string): Promise<void>;
  /** Work to do once the node has joined (loading other nodes' presence). */
  onStart(fn: () => Promise<void> | undefined): void;
  close(): Promise<void>;
}

export function localCoordination(): Coordination {
  const directory = new LocalNodeDirectory();
  return {
    nodeId: directory.nodeId,
    ownership: new SingleNodeOwnership(),
    directory,
    leases: new MemoryLeaseStore(() => Date.now()),
    redis: undefined,
    subscriber: undefined,
    keyPrefix: 'metaoffice:',
    broadcast: () => undefined,
    onMessage: () => undefined,
    healthy: async () => true,
    start: async () => undefined,
    onStart: () => undefined,
    close: async () => undefined,
  };
}

/** Redis connection options for coordination: reconnect quickly, and queue commands while the link is down. */
export function coordinationRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    ...extra,
    // A lease renewal must get through as soon as Redis is back: a short outage is bridged by the time left on the
    // lease, but only if reconnecting does not itself take seconds (ioredis's default back-off grows to 2 s).
    retryStrategy: (times) => Math.min(times * 100, 500),
    // Commands issued while Redis is away wait for it rather than fail: presence changes and lease renewals are
    // delivered late, not lost. Anything that must not wait (readiness) races its own timeout.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

export function redisCoordination(cfg: ClusterConfig & { redisUrl: string }, log: { warn(obj: object, msg: string): void }): Coordination {
  const redis = coordinationRedis(cfg.redisUrl);
  // A subscribed connection may only run subscriber commands, and ioredis's ready check (INFO) is not one of them.
  const subscriber = coordinationRedis(cfg.redisUrl, { enableReadyCheck: false });
  // ioredis reports every failed reconnect; one line per outage is enough, /readyz tells the rest.
  let reported = false;
  for (const r of [redis, subscriber]) {
    r.on('error', (err) => {
      if (!reported) log.warn({ err }, 'Redis is unreachable; serving owned offices from memory until it is back');
      reported = true;
    });
    r.on('ready', () => (reported = false));
  }
  const channel = `${cfg.keyPrefix}cluster`;
  const listeners: ((msg: ClusterMessage) => void)[] = [];
  const startHooks: (() => Promise<void> | undefined)[] = [];
  const dir = new RedisNodeDirectory({ redis, prefix: cfg.keyPrefix, nodeId: cfg.nodeId, ttlMs: 5000, refreshMs: 1000 });
  const leases = new RedisLeaseStore(redis, `${cfg.keyPrefix}lease:`);
  const ownership = new LeasedOwnership({
    store: leases,
    directory: dir,
    nodeId: cfg.nodeId,
    ttlMs: cfg.leaseTtlMs,
  });
  subscriber.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    const msg = parseClusterMessage(text, cfg.nodeId);
    if (msg) for (const fn of listeners) fn(msg);
  });
  return {
    nodeId: cfg.nodeId,
    ownership,
    directory: dir,
    leases,
    redis,
    subscriber,
    keyPrefix: cfg.keyPrefix,
    broadcast(msg) {
      redis.publish(channel, JSON.stringify({ from: cfg.nodeId, msg })).catch((err: unknown) => log.warn({ err }, 'a cluster message could not be sent'));
    },
    onMessage(fn) {
      listeners.push(fn);
    },
    async healthy() {
      if (redis.status !== 'ready') return false;
      const pong = await Promise.race([redis.ping().catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref())]);
      return pong === 'PONG';
    },
    async start(nodeUrl) {
      await subscriber.subscribe(channel);
      await dir.start(nodeUrl);
      for (const fn of startHooks) await fn();
    },
    onStart(fn) {
      startHooks.push(fn);
    },
    async close() {
      await ownership.close();
      await dir.close();
      subscriber.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Messages from other nodes are checked like any input: a malformed one is dropped, never acted on. */
function parseClusterMessage(text: string, selfId: string): ClusterMessage | undefined {
  const v = parseJsonObject(text);
  if (!v) return undefined;
  const { from, msg } = v;
  if (from === selfId || typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (m.t === 'office.removed' && typeof m.officeId === 'string') return { t: m.t, officeId: m.officeId };
  if (m.t === 'avatar' && typeof m.userId === 'string') {
    const checked = parseAvatarSpec(m.avatar);
    return checked.ok ? { t: 'avatar', userId: m.userId, avatar: checked.spec } : undefined;
  }
  if (m.t === 'office.map' && typeof m.officeId === 'string' && Number.isSafeInteger(m.version)) return { t: m.t, officeId: m.officeId, version: m.version as number };
  if (m.t === 'disconnect' && typeof m.message === 'string' && typeof m.which === 'object' && m.which !== null) {
    const w = m.which as Record<string, unknown>;
    const which: { userId?: string; orgId?: string; tokenHash?: string } = {};
    for (const k of ['userId', 'orgId', 'tokenHash'] as const) {
      if (w[k] === undefined) continue;
      if (typeof w[k] !== 'string') return undefined;
      which[k] = w[k];
    }
    // "Everyone" is never a valid target.
    if (Object.keys(which).length === 0) return undefined;
    return { t: 'disconnect', which, message: m.message };
  }
  return undefined;
}
