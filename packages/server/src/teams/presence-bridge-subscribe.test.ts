import { describe, expect, it } from 'vitest';
import { PresenceService } from '../office/presence-service.js';
import { PresenceBridge, type PresenceBridgeEvent, type WatchedPerson } from './presence-bridge.js';
import type { GraphCaller, GraphPresence, GraphSubscription, TeamsGraph } from './teams-graph.js';

/*
 * The moment a presence subscription starts (found by the Graph benchmark, packages/bench/src/graph-bench.ts):
 * Graph notifies only changes made after the subscription exists, and may deliver them before it answers the POST.
 */

/** Graph as the bridge sees it: presence that changes silently, and a hook run while a subscription is created. */
class QuietGraph {
  presence = new Map<string, string>();
  reads = 0;
  whileCreating: ((sub: { id: string; clientState: string }) => void) | undefined;

  async subscribePresence(_c: GraphCaller, s: { clientState: string; expiresAt: number }): Promise<GraphSubscription> {
    this.whileCreating?.({ id: 'sub-1', clientState: s.clientState });
    return { id: 'sub-1', expirationDateTime: new Date(s.expiresAt).toISOString() };
  }
  async presences(_c: GraphCaller, ids: readonly string[]): Promise<GraphPresence[]> {
    this.reads++;
    return ids.map((id) => ({ id, availability: this.presence.get(id) ?? 'Available', activity: this.presence.get(id) ?? 'Available' }));
  }
}

function setup() {
  const now = () => 1_800_000_000_000;
  const graph = new QuietGraph();
  const presence = new PresenceService({ idleAwayMs: 60_000, now }, { publish: () => undefined, apply: () => undefined });
  const events: PresenceBridgeEvent[] = [];
  const bridge = new PresenceBridge({
    graph: graph as unknown as TeamsGraph,
    presence,
    publicUrl: 'https://office.example.test',
    callerFor: (tenantId) => ({ tenantId, token: async () => 'token' }),
    now,
    count: (e) => events.push(e),
  });
  const watched = new Map<string, WatchedPerson>([['oid-1', { user: { id: 'u-1', orgId: 'org', name: 'P1' }, visible: true }]]);
  bridge.watch('tenant', watched);
  return { graph, presence, bridge, events };
}

describe('PresenceBridge when a subscription starts', () => {
  it('reads the people again once their subscription exists, so a change made before it is not missed', async () => {
    const { graph, presence, bridge } = setup();
    await bridge.readNow('tenant', ['oid-1']); // the office opens
    expect(presence.state('u-1').availability).toBe('Available');
    graph.presence.set('oid-1', 'Busy'); // changed before any subscription: Graph will never notify it
    await bridge.run();
    expect(bridge.subscriptionCount()).toBe(1);
    expect(presence.state('u-1').availability).toBe('Busy');
  });

  it('applies a notification that arrives before Graph answers the subscription request', async () => {
    const { graph, presence, bridge, events } = setup();
    graph.whileCreating = ({ id, clientState }) => {
      bridge.notify({ value: [{ subscriptionId: id, clientState, resource: "communications/presences('oid-1')", resourceData: { id: 'oid-1', availability: 'DoNotDisturb', activity: 'Presenting' } }] });
      // Someone guessing at a subscription being created gets nothing.
      bridge.notify({ value: [{ subscriptionId: 'sub-2', clientState: 'guess', resource: "communications/presences('oid-1')", resourceData: { id: 'oid-1', availability: 'Away', activity: 'Away' } }] });
    };
    graph.presence.set('oid-1', 'DoNotDisturb');
    await bridge.run();
    expect(events).toContain('notification_applied');
    expect(events.filter((e) => e === 'notification_unknown_subscription')).toHaveLength(1);
    expect(presence.state('u-1').availability).toBe('DoNotDisturb');
  });
});
