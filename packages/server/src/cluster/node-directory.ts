import type { Redis } from 'ioredis';

/**
 * Which nodes of the cluster are alive, and where each one can be reached. Every node writes its own entry with a
 * short expiry and refreshes it; an entry that was not refreshed in time is a node that died (kill -9, a partition),
 * and the other nodes stop routing to it and forget what it announced.
 */
export interface NodeDirectory {
  readonly nodeId: string;
  /** The address of a live node, if it is alive. */
  urlOf(nodeId: string): Promise<string | undefined>;
  /** The nodes alive at the last refresh (this one included): a cached view, cheap to ask every tick. */
  alive(): ReadonlySet<string>;
  /** Called with the ids of nodes that were alive and are not any more. */
  onGone(fn: (nodeIds: string[]) => void): void;
  close(): Promise<void>;
}

export interface RedisNodeDirectoryOptions {
  redis: Redis;
  /** Key prefix, e.g. "metaoffice:". */
  prefix: string;
  nodeId: string;
  /** An entry not refreshed for this long counts as a dead node. */
  ttlMs?: number;
  refreshMs?: number;
}

/** Entries live in one sorted set scored by their last heartbeat, plus one hash of addresses. */
export class RedisNodeDirectory implements NodeDirectory {
  readonly nodeId: string;
  private readonly redis: Redis;
  private readonly members: string;
  private readonly urls: string;
  private readonly ttlMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private live = new Set<string>();
  private readonly goneListeners: ((ids: string[]) => void)[] = [];
  private nodeUrl = '';

  constructor(private readonly opts: RedisNodeDirectoryOptions) {
    this.nodeId = opts.nodeId;
    this.redis = opts.redis;
    this.members = `${opts.prefix}nodes`;
    this.urls = `${opts.prefix}node-urls`;
    this.ttlMs = opts.ttlMs ?? 6000;
    this.live.add(opts.nodeId);
  }

  /** Announces this node at its address (known once it listens) and keeps the view of the others fresh. */
  async start(nodeUrl: string): Promise<void> {
    this.nodeUrl = nodeUrl;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.opts.refreshMs ?? 1000);
    this.timer.unref?.();
  }

  async refresh(): Promise<void> {
    // Redis's clock, not ours, scores the heartbeats, so nodes with drifting clocks still agree on who is alive.
    const [seconds, micros] = await this.redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const [, , , members] = (await this.redis
      .multi()
      .zadd(this.members, now, this.nodeId)
      .hset(this.urls, this.nodeId, this.nodeUrl)
      .zremrangebyscore(this.members, 0, now - this.ttlMs)
      .zrange(this.members, 0, -1)
      .exec()) as [Error | null, unknown][] as unknown as [unknown, unknown, unknown, [Error | null, string[]]];
    const next = new Set(members[1]);
    next.add(this.nodeId);
    const gone = [...this.live].filter((id) => !next.has(id));
    this.live = next;
    if (gone.length > 0) {
      await this.redis.hdel(this.urls, ...gone).catch(() => undefined);
      for (const fn of this.goneListeners) fn(gone);
    }
  }

  async urlOf(nodeId: string): Promise<string | undefined> {
    if (!this.live.has(nodeId)) {
      // Perhaps a node that started since the last refresh.
      const score = await this.redis.zscore(this.members, nodeId);
      if (score === null) return undefined;
    }
    return (await this.redis.hget(this.urls, nodeId)) ?? undefined;
  }

  alive(): ReadonlySet<string> {
    return this.live;
  }

  onGone(fn: (nodeIds: string[]) => void): void {
    this.goneListeners.push(fn);
  }

  /** Leaves the directory at once on a clean shutdown, so nobody routes here while the entry would still be fresh. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.multi().zrem(this.members, this.nodeId).hdel(this.urls, this.nodeId).exec().catch(() => undefined);
  }
}

/** A single node: alone in its directory. */
export class LocalNodeDirectory implements NodeDirectory {
  readonly nodeId = 'local';
  private readonly set = new Set(['local']);
  async urlOf(): Promise<string | undefined> {
    return undefined;
  }
  alive(): ReadonlySet<string> {
    return this.set;
  }
  onGone(): void {}
  async close(): Promise<void> {}
}
