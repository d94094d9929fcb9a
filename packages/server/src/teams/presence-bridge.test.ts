import type { Activity, Availability, PersonView } from '@metaoffice/protocol';
import { describe, expect, it } from 'vitest';
import { PresenceService } from '../office/presence-service.js';
import { PresenceBridge, type PresenceBridgeEvent, type WatchedPerson } from './presence-bridge.js';
import type { GraphCaller, GraphPresence, GraphSubscription, TeamsGraph } from './teams-graph.js';

/** A scripted Graph: subscriptions and presence reads recorded, failures switchable. */
class ScriptedGraph {
  subs = new Map<string, { ids: string[]; clientState: string; expiresAt: number }>();
  presence = new Map<string, { availability: string; activity: string }>();
  reads: string[][] = [];
  failCreate = false;
  failRenew = false;
  private n = 0;
  constructor(private readonly now: () => number) {}
  async subscribePresence(_c: GraphCaller, s: { objectIds: readonly string[]; clientState: string; expiresAt: number }): Promise<GraphSubscription> {
    if (this.failCreate) throw Object.assign(new Error('Subscription validation request failed'), { status: 400 });
    if (s.objectIds.length > 650) throw new Error('too many ids');
    const id = `sub-${++this.n}`;
    this.subs.set(id, { ids: [...s.objectIds], clientState: s.clientState, expiresAt: s.expiresAt });
    return { id, expirationDateTime: new Date(s.expiresAt).toISOString() };
  }
  async renewSubscription(_c: GraphCaller, id: string, expiresAt: number): Promise<GraphSubscription> {
    const sub = this.subs.get(id);
    if (this.failRenew || !sub) throw Object.assign(new Error('not found'), { status: 404 });
    sub.expiresAt = expiresAt;
    return { id, expirationDateTime: new Date(expiresAt).toISOString() };
  }
  async deleteSubscription(_c: GraphCaller, id: string): Promise<void> {
    this.subs.delete(id);
  }
  async presences(_c: GraphCaller, ids: readonly string[]): Promise<GraphPresence[]> {
    this.reads.push([...ids]);
    return ids.map((id) => ({ id, ...(this.presence.get(id) ?? { availability: 'Available', activity: 'Available' }) }));
  }
  notification(subId: string, id: string, clientState?: string) {
    const sub = this.subs.get(subId)!;
    return { value: [{ subscriptionId: subId, clientState: clientState ?? sub.clientState, changeType: 'updated', resource: `communications/presences('${id}')`, resourceData: { '@odata.type': '#Microsoft.Graph.presence', id } }] };
  }
}

function setup(people = 3) {
  let t = 1_800_000_000_000;
  const now = () => t;
  const graph = new ScriptedGraph(now);
  const published: PersonView[] = [];
  const presence = new PresenceService({ idleAwayMs: 60_000, now }, { publish: (_o, p) => published.push(p), apply: () => undefined });
  const events: PresenceBridgeEvent[] = [];
  const bridge = new PresenceBridge({
    graph: graph as unknown as TeamsGraph,
    presence,
    publicUrl: 'https://office.example.test',
    callerFor: (tenantId) => ({ tenantId, token: async () => 'token' }),
    now,
    count: (e) => events.push(e),
  });
  const watched = new Map<string, WatchedPerson>();
  for (let i = 0; i < people; i++) watched.set(`oid-${i}`, { user: { id: `u-${i}`, orgId: 'org', name: `P${i}` }, visible: i === 0 });
  bridge.watch('tenant', watched);
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { graph, presence, bridge, events, published, watched, advance: (ms: number) => (t += ms), settle };
}

const state = (p: PresenceService, id: string): { availability: Availability; activity: Activity } => {
  const s = p.state(id);
  return { availability: s.availability, activity: s.activity };
};

describe('PresenceBridge', () => {
  it('subscribes in chunks of at most 650 ids, each with its own clientState', async () => {
    const { graph, bridge } = setup(1400);
    await bridge.run();
    expect([...graph.subs.values()].map((s) => s.ids.length)).toEqual([650, 650, 100]);
    expect(new Set([...graph.subs.values()].map((s) => s.clientState)).size).toBe(3);
  });

  it('applies a notification only with the right subscription and clientState, and counts the rest', async () => {
    const { graph, bridge, presence, events, settle } = setup();
    await bridge.run();
    const [subId] = [...graph.subs.keys()];
    graph.presence.set('oid-1', { availability: 'Busy', activity: 'InAMeeting' });
    bridge.notify(graph.notification(subId!, 'oid-1', 'wrong-state'));
    bridge.notify({ value: [{ subscriptionId: 'sub-unknown', clientState: 'x', resource: "communications/presences('oid-1')" }] });
    bridge.notify('garbage');
    bridge.notify(graph.notification(subId!, 'oid-not-watched'));
    await settle();
    // Available: read when the subscription started; the rejected notifications' Busy does not show.
    expect(state(presence, 'u-1').availability).toBe('Available');
    expect(events).toEqual(expect.arrayContaining(['notification_bad_client_state', 'notification_unknown_subscription', 'notification_malformed']));
    // A notification without resource data (Graph's basic notifications) makes the bridge read the presence.
    bridge.notify(graph.notification(subId!, 'oid-1'));
    await settle();
    await settle();
    expect(state(presence, 'u-1')).toEqual({ availability: 'Busy', activity: 'InAMeeting' });
    // With resource data, no read is needed.
    const reads = graph.reads.length;
    bridge.notify({ value: [{ ...graph.notification(subId!, 'oid-2').value[0], resourceData: { id: 'oid-2', availability: 'DoNotDisturb', activity: 'Presenting' } }] });
    expect(state(presence, 'u-2').availability).toBe('DoNotDisturb');
    expect(graph.reads.length).toBe(reads);
  });

  it('renews before the hour runs out, re-creates a subscription Graph dropped, and ends ones nobody needs', async () => {
    const { graph, bridge, watched, advance, events } = setup();
    await bridge.run();
    const first = [...graph.subs.keys()][0]!;
    const createdUntil = graph.subs.get(first)!.expiresAt;
    advance(45 * 60_000);
    await bridge.run();
    expect(events).not.toContain('subscription_renewed');
    advance(6 * 60_000); // 9 minutes left: renewed
    await bridge.run();
    expect(events).toContain('subscription_renewed');
    expect(graph.subs.get(first)!.expiresAt).toBeGreaterThan(createdUntil);

    graph.subs.delete(first); // Graph lost it
    advance(55 * 60_000);
    await bridge.run();
    expect(events).toContain('subscription_failed');
    expect(graph.subs.size).toBe(1);
    expect([...graph.subs.keys()][0]).not.toBe(first);

    bridge.watch('tenant', new Map());
    await bridge.run();
    expect(graph.subs.size).toBe(0);
    void watched;
  });

  it('falls back to polling when subscriptions fail: visible people first, nobody older than 30 s', async () => {
    const { graph, bridge, advance, presence } = setup(5);
    graph.failCreate = true;
    await bridge.run();
    expect(graph.subs.size).toBe(0);
    expect(graph.reads.length).toBeGreaterThan(0);
    expect(graph.reads[0]![0]).toBe('oid-0'); // the visible person first
    graph.presence.set('oid-3', { availability: 'Away', activity: 'Away' });
    advance(10_000);
    await bridge.run();
    expect(state(presence, 'u-3').availability).not.toBe('Away'); // read 10 s ago: not due yet
    advance(16_000);
    await bridge.run();
    expect(state(presence, 'u-3').availability).toBe('Away');
    // Creation is retried after its back-off, and once it works polling stops for the covered people.
    graph.failCreate = false;
    advance(60_000);
    await bridge.run();
    expect(graph.subs.size).toBe(1);
    const reads = graph.reads.length;
    advance(30_000);
    await bridge.run();
    expect(graph.reads.length).toBe(reads);
  });

  it('a change whose read failed after its notification is read again on the next round, though subscribed', async () => {
    const { graph, bridge, presence, settle } = setup();
    await bridge.run();
    const [subId] = [...graph.subs.keys()];
    graph.presence.set('oid-2', { availability: 'Busy', activity: 'InAMeeting' });
    const presences = graph.presences.bind(graph);
    graph.presences = async () => {
      throw Object.assign(new Error('Microsoft 365 is not answering'), { name: 'GraphUnavailableError' });
    };
    bridge.notify(graph.notification(subId!, 'oid-2'));
    await settle();
    await settle();
    expect(state(presence, 'u-2').availability).not.toBe('Busy');
    graph.presences = presences;
    await bridge.run();
    expect(state(presence, 'u-2')).toEqual({ availability: 'Busy', activity: 'InAMeeting' });
    // Once read, subscribed people are left to their notifications again.
    const reads = graph.reads.length;
    await bridge.run();
    expect(graph.reads.length).toBe(reads);
  });
});
