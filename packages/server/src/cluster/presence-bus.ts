import { PersonView } from '@metaoffice/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Redis } from 'ioredis';
import type { PresenceService } from '../office/presence-service.js';
import { parseJsonObject } from './wire.js';

export interface RedisPresenceBusOptions {
  /** For commands. Give it `maxRetriesPerRequest: null` (see `RedisPresenceBus.connectionOptions`). */
  redis: Redis;
  /** A separate connection, used only to subscribe. */
  subscriber: Redis;
  /** Key prefix, e.g. "metaoffice:". */
  prefix: string;
  nodeId: string;
  presence: PresenceService;
  log?: { warn(obj: object, msg: string): void };
}

/** What travels on the channel, and what each hash entry holds. */
interface Announcement {
  nodeId: string;
  orgId: string;
  person: PersonView;
}

const personCheck = TypeCompiler.Compile(PersonView);

function parseAnnouncement(raw: string): Announcement | undefined {
  const v = parseJsonObject(raw);
  if (!v) return undefined;
  const { nodeId, orgId, person } = v;
  if (typeof nodeId !== 'string' || nodeId === '' || typeof orgId !== 'string' || orgId === '' || !personCheck.Check(person)) return undefined;
  return { nodeId, orgId, person };
}

function isOnline(person: PersonView): boolean {
  return person.officeId !== null && person.availability !== 'Offline';
}

/**
 * Presence across the nodes of a cluster. A person's live state exists only on the node they are connected to; each
 * node announces changes to its own people on one Redis channel and keeps them in a Redis hash of its own
 * (`<prefix>presence:node:<nodeId>`, userId → announcement), so a node that starts later, or that missed messages
 * while cut off, can load a snapshot. A set `<prefix>presence:nodes` lists the nodes that have such a hash.
 *
 * One hash per node (rather than one field per person) is what makes moves safe: when a person moves from node A to
 * node B, A's late "left" and B's "arrived" touch different entries, and a dead node's entries go with one DEL.
 */
export class RedisPresenceBus {
  /**
   * Options for the command connection. Redis pub/sub delivers at most once, so changes made while Redis is
   * unreachable must wait in ioredis's offline queue instead of failing after the default 20 reconnection attempts.
   */
  static readonly connectionOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true } as const;

  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly nodeId: string;
  private readonly presence: PresenceService;
  private readonly channel: string;
  private readonly nodesKey: string;
  /** Set while a snapshot loads: messages wait here so that an older snapshot cannot overwrite newer messages. */
  private pending: Announcement[] | undefined;
  private resyncs: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;

  constructor(private readonly opts: RedisPresenceBusOptions) {
    if (opts.redis === opts.subscriber) throw new Error('the presence bus needs a separate connection to subscribe on');
    if (opts.redis.options.enableOfflineQueue === false) throw new Error('the presence bus needs ioredis\'s offline queue, or changes are lost while Redis is unreachable');
    if (opts.redis.options.maxRetriesPerRequest !== null) {
      opts.log?.warn({ maxRetriesPerRequest: opts.redis.options.maxRetriesPerRequest }, 'presence changes may be lost during a long Redis outage; use maxRetriesPerRequest: null');
    }
    this.redis = opts.redis;
    this.subscriber = opts.subscriber;
    this.nodeId = opts.nodeId;
    this.presence = opts.presence;
    this.channel = `${opts.prefix}presence`;
    this.nodesKey = `${opts.prefix}presence:nodes`;
  }

  /** Joins the channel, replaces whatever a previous run of this node left in Redis, and loads everyone else's rows. */
  async start(): Promise<void> {
    this.subscriber.on('message', this.onMessage);
    this.pending = [];
    await this.subscriber.subscribe(this.channel);
    await this.announceAll();
    await this.resync(false);
    this.started = true;
    this.redis.on('ready', this.onRedisReady);
    this.subscriber.on('ready', this.onSubscriberReady);
  }

  /** The PresenceService's `shared` sink: announces a change to one of this node's people. Never throws. */
  publish(orgId: string, person: PersonView): void {
    if (this.closed) return;
    const body = JSON.stringify({ nodeId: this.nodeId, orgId, person } satisfies Announcement);
    try {
      const tx = this.redis.multi();
      if (isOnline(person)) tx.hset(this.nodeKey(this.nodeId), person.userId, body).sadd(this.nodesKey, this.nodeId);
      else tx.hdel(this.nodeKey(this.nodeId), person.userId);
      this.exec(tx.publish(this.channel, body), 'presence change not announced');
    } catch (err) {
      this.opts.log?.warn({ err }, 'presence change not announced');
    }
  }

  /** Nodes the directory declared dead: their people are offline, and their entries go. */
  async nodesGone(nodeIds: string[]): Promise<void> {
    const others = nodeIds.filter((id) => id !== this.nodeId);
    for (const id of others) this.presence.dropNode(id);
    // Declared dead while alive (a partition, a long pause): the others dropped this node's people, so say it again.
    if (others.length < nodeIds.length && this.started && !this.closed) await this.announceAll().catch((err: unknown) => this.opts.log?.warn({ err }, 'presence re-announcement failed'));
    if (others.length === 0) return;
    const tx = this.redis.multi();
    for (const id of others) tx.del(this.nodeKey(id)).srem(this.nodesKey, id);
    await this.exec(tx, 'dead nodes\' presence entries not removed');
  }

  /** Clean shutdown: the other nodes see this node's people leave at once. The connections stay open (the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.redis.off('ready', this.onRedisReady);
    this.subscriber.off('ready', this.onSubscriberReady);
    this.subscriber.off('message', this.onMessage);
    await this.subscriber.unsubscribe(this.channel).catch((err: unknown) => this.opts.log?.warn({ err }, 'presence unsubscribe failed'));
    const tx = this.redis.multi().del(this.nodeKey(this.nodeId)).srem(this.nodesKey, this.nodeId);
    for (const { orgId, person } of this.presence.localRows()) {
      tx.publish(this.channel, JSON.stringify({ nodeId: this.nodeId, orgId, person: { ...person, availability: 'Offline', activity: 'Offline', officeId: null } } satisfies Announcement));
    }
    await this.exec(tx, 'presence entries not removed on shutdown');
  }

  private nodeKey(nodeId: string): string {
    return `${this.opts.prefix}presence:node:${nodeId}`;
  }

  /** Runs a transaction, logging instead of rejecting, including errors of single commands inside it. */
  private async exec(tx: ReturnType<Redis['multi']>, what: string): Promise<void> {
    try {
      const results = await tx.exec();
      const err = results?.find(([e]) => e)?.[0];
      if (err) this.opts.log?.warn({ err }, what);
    } catch (err) {
      this.opts.log?.warn({ err }, what);
    }
  }

  /** Rewrites this node's hash from its current state and announces every row, e.g. after Redis lost its data. */
  private async announceAll(): Promise<void> {
    const key = this.nodeKey(this.nodeId);
    const tx = this.redis.multi().del(key);
    let any = false;
    for (const { orgId, person } of this.presence.localRows()) {
      const body = JSON.stringify({ nodeId: this.nodeId, orgId, person } satisfies Announcement);
      tx.hset(key, person.userId, body).publish(this.channel, body);
      any = true;
    }
    if (any) tx.sadd(this.nodesKey, this.nodeId);
    else tx.srem(this.nodesKey, this.nodeId);
    const results = await tx.exec();
    const err = results?.find(([e]) => e)?.[0];
    if (err) throw err;
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel || this.closed) return;
    const a = parseAnnouncement(message);
    if (!a) {
      this.opts.log?.warn({ message: message.slice(0, 200) }, 'malformed presence announcement ignored');
      return;
    }
    if (a.nodeId === this.nodeId) return;
    if (this.pending) this.pending.push(a);
    else this.presence.applyRemote(a.nodeId, a.orgId, a.person);
  };

  // ioredis emits 'ready' after it has sent its offline queue and re-subscribed, so what follows comes after those.
  private readonly onRedisReady = (): void => {
    void this.announceAll().catch((err: unknown) => this.opts.log?.warn({ err }, 'presence re-announcement failed'));
  };

  private readonly onSubscriberReady = (): void => {
    // Messages published while this subscriber was away are lost: a snapshot catches up.
    void this.queueResync();
  };

  private queueResync(): Promise<void> {
    this.resyncs = this.resyncs.then(() => this.resync(true)).catch((err: unknown) => this.opts.log?.warn({ err }, 'presence snapshot not loaded'));
    return this.resyncs;
  }

  /**
   * Loads every other node's rows. Messages arriving meanwhile are held and applied after the snapshot, in order: any
   * that the snapshot already contains are re-applied harmlessly, and any newer ones win over it.
   */
  private async resync(resubscribe: boolean): Promise<void> {
    this.pending ??= [];
    try {
      // The subscription must be in place before the snapshot is read, or changes in between would be missed.
      if (resubscribe) await this.subscriber.subscribe(this.channel);
      const nodes = (await this.redis.smembers(this.nodesKey)).filter((id) => id !== this.nodeId);
      let results: [Error | null, unknown][] = [];
      if (nodes.length > 0) {
        const tx = this.redis.multi();
        for (const id of nodes) tx.hgetall(this.nodeKey(id));
        results = (await tx.exec()) ?? [];
      }
      const snapshot = new Map<string, Announcement>();
      results.forEach(([err, entries], i) => {
        if (err) throw err;
        for (const [userId, raw] of Object.entries(entries as Record<string, string>)) {
          const a = parseAnnouncement(raw);
          // Trust the hash it sits in for the node, not what the entry says.
          if (a && a.person.userId === userId) snapshot.set(`${nodes[i]}\n${userId}`, { ...a, nodeId: nodes[i]! });
          else this.opts.log?.warn({ node: nodes[i], userId }, 'malformed presence entry ignored');
        }
      });
      for (const r of [...this.presence.remoteRows()]) {
        if (!snapshot.has(`${r.nodeId}\n${r.person.userId}`)) this.presence.applyRemote(r.nodeId, r.orgId, { ...r.person, availability: 'Offline', activity: 'Offline', officeId: null });
      }
      for (const a of snapshot.values()) this.presence.applyRemote(a.nodeId, a.orgId, a.person);
    } finally {
      const held = this.pending;
      this.pending = undefined;
      for (const a of held) this.presence.applyRemote(a.nodeId, a.orgId, a.person);
    }
  }
}
