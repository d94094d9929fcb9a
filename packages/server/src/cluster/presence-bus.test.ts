import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { PersonView } from '@metaoffice/protocol';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PresenceService } from '../office/presence-service.js';
import { RedisPresenceBus } from './presence-bus.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ada = { id: 'u-ada', orgId: 'org', name: 'Ada' };
const bob = { id: 'u-bob', orgId: 'org', name: 'Bob' };

const connections: Redis[] = [];
const buses: RedisPresenceBus[] = [];
const prefixes: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

function connect(url: string, options: object = {}): Redis {
  const r = new Redis(url, options);
  // Outage tests cut connections on purpose; ioredis would print every reset otherwise.
  r.on('error', () => undefined);
  connections.push(r);
  return r;
}

function newPrefix(): string {
  const p = `test-presence-${randomUUID()}:`;
  prefixes.push(p);
  return p;
}

/** One server node: its own presence service and bus, on its own two connections. */
async function startNode(nodeId: string, prefix: string, url = REDIS_URL) {
  const published: { orgId: string; person: PersonView }[] = [];
  const warnings: string[] = [];
  let bus!: RedisPresenceBus;
  const presence = new PresenceService(
    { idleAwayMs: 60_000 },
    { publish: (orgId, person) => published.push({ orgId, person }), apply: () => undefined, shared: (orgId, person) => bus.publish(orgId, person) },
  );
  const redis = connect(url, RedisPresenceBus.connectionOptions);
  const subscriber = connect(url);
  bus = new RedisPresenceBus({ redis, subscriber, prefix, nodeId, presence, log: { warn: (_o, msg) => warnings.push(msg) } });
  await bus.start();
  buses.push(bus);
  /** What this node's people panel last received for a person. */
  const lastFor = (userId: string) => published.filter((p) => p.person.userId === userId).at(-1)?.person;
  return { nodeId, presence, bus, redis, subscriber, published, warnings, lastFor };
}

const eventually = (fn: () => void, timeout = 3000) => vi.waitFor(fn, { timeout, interval: 10 });

afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  for (const c of cleanups.splice(0)) await c();
  const admin = connect(REDIS_URL, { maxRetriesPerRequest: 1 });
  for (const prefix of prefixes.splice(0)) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  for (const c of connections.splice(0)) c.disconnect();
});

describe('RedisPresenceBus on the real Redis', () => {
  it('a person connected on node A shows, changes and leaves on node B', async () => {
    const prefix = newPrefix();
    const a = await startNode('node-a', prefix);
    const b = await startNode('node-b', prefix);

    a.presence.connected(ada, 'office-x');
    await eventually(() => expect(b.presence.state(ada.id)).toEqual({ availability: 'Available', activity: 'Available', officeId: 'office-x' }));
    expect(b.published.at(-1)).toEqual({ orgId: 'org', person: { userId: ada.id, name: 'Ada', availability: 'Available', activity: 'Available', officeId: 'office-x', look: expect.any(Number) } });
    expect(b.presence.view(ada, 0).officeId).toBe('office-x');
    // Only A's own people are A's to announce: the row never comes back to A as a remote one.
    expect([...a.presence.remoteRows()]).toEqual([]);

    a.presence.choose(ada.id, 'DoNotDisturb');
    await eventually(() => expect(b.lastFor(ada.id)).toMatchObject({ availability: 'DoNotDisturb', activity: 'DoNotDisturb', officeId: 'office-x' }));
    expect(b.presence.state(ada.id).availability).toBe('DoNotDisturb');

    a.presence.disconnected(ada.id, 'office-x');
    await eventually(() => expect(b.lastFor(ada.id)).toMatchObject({ availability: 'Offline', officeId: null }));
    expect(b.presence.state(ada.id)).toEqual({ availability: 'Offline', activity: 'Offline', officeId: null });
    expect(await b.redis.hgetall(`${prefix}presence:node:node-a`)).toEqual({});
    expect(b.warnings).toEqual([]);
  });

  it('a node started later loads the others from the snapshot', async () => {
    const prefix = newPrefix();
    const a = await startNode('node-a', prefix);
    const b = await startNode('node-b', prefix);
    a.presence.connected(ada, 'office-x');
    b.presence.connected(bob, 'office-y');
    b.presence.choose(bob.id, 'Busy');
    await eventually(() => expect(a.presence.state(bob.id).availability).toBe('Busy'));

    const c = await startNode('node-c', prefix);
    // No waiting: start() resolves once the snapshot is applied.
    expect(c.presence.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office-x' });
    expect(c.presence.state(bob.id)).toMatchObject({ availability: 'Busy', officeId: 'office-y' });
    expect(c.published.map((p) => `${p.person.userId}@${p.person.officeId}`).sort()).toEqual(['u-ada@office-x', 'u-bob@office-y']);
  });

  it('nodesGone takes a dead node\'s people offline and removes its entries', async () => {
    const prefix = newPrefix();
    const a = await startNode('node-a', prefix);
    const b = await startNode('node-b', prefix);
    a.presence.connected(ada, 'office-x');
    b.presence.connected(bob, 'office-y');
    await eventually(() => expect(b.presence.state(ada.id).officeId).toBe('office-x'));

    // A dies without a word: its bus never closes.
    buses.splice(buses.indexOf(a.bus), 1);
    a.redis.disconnect();
    a.subscriber.disconnect();
    await b.bus.nodesGone(['node-a']);
    expect(b.presence.state(ada.id).availability).toBe('Offline');
    expect(b.lastFor(ada.id)).toMatchObject({ availability: 'Offline', officeId: null });
    expect(b.presence.state(bob.id).officeId).toBe('office-y');
    expect(await b.redis.exists(`${prefix}presence:node:node-a`)).toBe(0);
    expect(await b.redis.smembers(`${prefix}presence:nodes`)).toEqual(['node-b']);

    const c = await startNode('node-c', prefix);
    expect(c.presence.state(ada.id).availability).toBe('Offline');
    expect(c.presence.state(bob.id).officeId).toBe('office-y');
  });

  it('a clean shutdown takes the node\'s people offline everywhere at once', async () => {
    const prefix = newPrefix();
    const a = await startNode('node-a', prefix);
    const b = await startNode('node-b', prefix);
    a.presence.connected(ada, 'office-x');
    await eventually(() => expect(b.presence.state(ada.id).officeId).toBe('office-x'));
    await a.bus.close();
    await eventually(() => expect(b.presence.state(ada.id).availability).toBe('Offline'));
    expect(await b.redis.exists(`${prefix}presence:node:node-a`)).toBe(0);
  });

  it('moving from node A to node B: A\'s late "left" does not hide the person', async () => {
    const prefix = newPrefix();
    const a = await startNode('node-a', prefix);
    const b = await startNode('node-b', prefix);
    const c = await startNode('node-c', prefix);
    a.presence.connected(ada, 'office-x');
    await eventually(() => expect(c.presence.state(ada.id).officeId).toBe('office-x'));

    // She opens office Y on node B before her socket on A is noticed closed.
    b.presence.connected(ada, 'office-y');
    await eventually(() => expect(c.presence.state(ada.id).officeId).toBe('office-y'));
    a.presence.disconnected(ada.id, 'office-x');
    await eventually(() => expect(a.lastFor(ada.id)).toMatchObject({ officeId: 'office-y' }));

    // Give A's "left" time to reach everyone, then check nobody believed it.
    await new Promise((r) => setTimeout(r, 200));
    expect(c.presence.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office-y' });
    expect(c.lastFor(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office-y' });
    expect(a.presence.state(ada.id).officeId).toBe('office-y');
    expect(b.presence.state(ada.id).officeId).toBe('office-y');
    const d = await startNode('node-d', prefix);
    expect(d.presence.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office-y' });
  });

  it('ignores malformed announcements, and keeps working', async () => {
    const prefix = newPrefix();
    const b = await startNode('node-b', prefix);
    const person = { userId: ada.id, name: 'Ada', availability: 'Available', activity: 'Available', officeId: 'office-x', look: 1 };
    const bad = ['not json', 'null', '[]', JSON.stringify({ nodeId: 'node-a', orgId: 'org' }), JSON.stringify({ nodeId: 'node-a', orgId: 'org', person: { ...person, availability: 'Sleeping' } }), JSON.stringify({ nodeId: 42, orgId: 'org', person })];
    for (const m of bad) await b.redis.publish(`${prefix}presence`, m);
    await b.redis.publish(`${prefix}presence`, JSON.stringify({ nodeId: 'node-a', orgId: 'org', person: { ...person, userId: bob.id, name: 'Bob' } }));
    await eventually(() => expect(b.presence.state(bob.id).officeId).toBe('office-x'));
    expect(b.presence.state(ada.id).availability).toBe('Offline');
    expect(b.warnings).toHaveLength(bad.length);
    expect(b.published.map((p) => p.person.userId)).toEqual([bob.id]);
  });

  it('changes made while Redis is unreachable for 5 s are delivered, and missed ones caught up, on reconnect', { timeout: 20_000 }, async () => {
    const prefix = newPrefix();
    const proxy = await cuttableProxy(6379);
    cleanups.push(() => proxy.close());
    const a = await startNode('node-a', prefix, `redis://127.0.0.1:${proxy.port}`);
    const b = await startNode('node-b', prefix);
    a.presence.connected(ada, 'office-x');
    await eventually(() => expect(b.presence.state(ada.id).officeId).toBe('office-x'));

    proxy.cut();
    a.presence.choose(ada.id, 'Busy');
    // Published while A's subscriber is away: A can only learn it from a snapshot.
    b.presence.connected(bob, 'office-y');
    await new Promise((r) => setTimeout(r, 5000));
    expect(b.presence.state(ada.id).availability).toBe('Available');
    proxy.restore();

    await eventually(() => expect(b.presence.state(ada.id)).toMatchObject({ availability: 'Busy', officeId: 'office-x' }), 5000);
    await eventually(() => expect(a.presence.state(bob.id)).toMatchObject({ availability: 'Available', officeId: 'office-y' }), 5000);
    expect(JSON.parse((await b.redis.hget(`${prefix}presence:node:node-a`, ada.id))!)).toMatchObject({ person: { availability: 'Busy' } });
    expect(a.warnings).toEqual([]);
  });
});

/** A TCP relay to Redis that can drop every connection and refuse new ones, as a network outage. */
async function cuttableProxy(target: number) {
  let down = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
