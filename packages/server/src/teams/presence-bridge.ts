import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { PresenceService, PresenceUser } from '../office/presence-service.js';
import { fromGraphAvailability, type GraphCaller, type TeamsGraph } from './teams-graph.js';
import { Activities, type Activity } from '@metaoffice/protocol';

/** Graph's documented maxima for presence subscriptions. */
export const IDS_PER_SUBSCRIPTION = 650;
export const IDS_PER_PRESENCE_REQUEST = 650;
const SUBSCRIPTION_LIFETIME_MS = 60 * 60_000;
const RENEW_BEFORE_MS = 10 * 60_000;
/** A person not covered by a working subscription is polled at least this often (the staleness target is 30 s). */
const POLL_EVERY_MS = 25_000;

export interface WatchedPerson {
  user: PresenceUser;
  /** Someone has this person in view right now: polled first when the budget is tight. */
  visible: boolean;
}

interface Subscription {
  id: string;
  tenantId: string;
  objectIds: Set<string>;
  clientState: string;
  expiresAt: number;
}

export interface PresenceBridgeDeps {
  graph: TeamsGraph;
  presence: PresenceService;
  publicUrl: string;
  /** A caller for the tenant: a delegated token of someone in its offices right now, or undefined. */
  callerFor(tenantId: string, priority: GraphCaller['priority']): GraphCaller | undefined;
  now?: () => number;
  log?: { warn(obj: object, msg: string): void };
  count?: (event: PresenceBridgeEvent) => void;
}

export type PresenceBridgeEvent =
  | 'notification_applied'
  | 'notification_unknown_subscription'
  | 'notification_bad_client_state'
  | 'notification_malformed'
  | 'subscription_created'
  | 'subscription_renewed'
  | 'subscription_failed'
  | 'subscription_removed'
  | 'poll_request'
  | 'poll_failed';

/**
 * Microsoft 365 presence for the people of open Teams offices (DESIGN §6):
 * - change-notification subscriptions, at most 650 ids each, renewed before their one-hour expiry and re-created when
 *   Graph drops them; every notification's subscription id and clientState are checked;
 * - a polling fallback through getPresencesByUserId (650 ids a request) for whoever no working subscription covers,
 *   people in view first, so nobody's colour is older than about 30 s;
 * - presence goes into the PresenceService (memory) and nowhere else.
 */
export class PresenceBridge {
  private readonly watched = new Map<string, Map<string, WatchedPerson>>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** Subscriptions being created: Graph may deliver their first notifications before answering the POST. */
  private readonly creating = new Set<Omit<Subscription, 'id' | 'expiresAt'>>();
  private readonly lastRead = new Map<string, number>();
  /** People whose presence changed (a notification said so) but could not be read yet. */
  private readonly unread = new Set<string>();
  private readonly retryCreateAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly now: () => number;
  private busy = false;

  constructor(private readonly d: PresenceBridgeDeps) {
    this.now = d.now ?? Date.now;
  }

  /** The people of a tenant's open offices, keyed by Entra object id. Replaces the previous set for the tenant. */
  watch(tenantId: string, people: Map<string, WatchedPerson>): void {
    if (people.size === 0) this.watched.delete(tenantId);
    else this.watched.set(tenantId, people);
  }

  watchedCount(): number {
    let n = 0;
    for (const m of this.watched.values()) n += m.size;
    return n;
  }

  subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** One round of upkeep: subscriptions created, renewed or dropped, then the polling fallback. Never throws. */
  async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const tenantId of new Set([...this.watched.keys(), ...[...this.subscriptions.values()].map((s) => s.tenantId)])) {
        await this.upkeep(tenantId).catch((err: unknown) => this.d.log?.warn({ err, tenantId }, 'presence subscription upkeep failed'));
        await this.poll(tenantId).catch((err: unknown) => this.d.log?.warn({ err, tenantId }, 'presence polling failed'));
      }
    } finally {
      this.busy = false;
    }
  }

  /** Reads these people's presence now (someone just opened an office), visible people first. */
  async readNow(tenantId: string, objectIds: readonly string[]): Promise<void> {
    await this.read(tenantId, objectIds, 'interactive');
  }

  /**
   * A POST to the notification URL. Returns the number applied; bad items are counted and ignored (Graph retries
   * anything not acknowledged, so the route always acknowledges).
   */
  notify(body: unknown): number {
    const items = (body as { value?: unknown })?.value;
    if (!Array.isArray(items)) {
      this.d.count?.('notification_malformed');
      return 0;
    }
    let applied = 0;
    const toRead = new Map<string, string[]>();
    for (const raw of items.slice(0, 1000)) {
      const n = raw as { subscriptionId?: unknown; clientState?: unknown; resource?: unknown; resourceData?: { id?: unknown; availability?: unknown; activity?: unknown } };
      const sub = (typeof n.subscriptionId === 'string' ? this.subscriptions.get(n.subscriptionId) : undefined) ?? this.beingCreated(n.clientState);
      if (!sub) {
        this.d.count?.('notification_unknown_subscription');
        continue;
      }
      if (typeof n.clientState !== 'string' || !sameSecret(n.clientState, sub.clientState)) {
        this.d.count?.('notification_bad_client_state');
        continue;
      }
      const id = typeof n.resourceData?.id === 'string' ? n.resourceData.id : idFromResource(n.resource);
      if (!id || !sub.objectIds.has(id)) {
        this.d.count?.('notification_malformed');
        continue;
      }
      if (typeof n.resourceData?.availability === 'string') {
        this.apply(sub.tenantId, id, n.resourceData.availability, typeof n.resourceData.activity === 'string' ? n.resourceData.activity : n.resourceData.availability);
        applied++;
      } else {
        // Without resource data the notification only says "changed": read it (counted against the budget).
        const list = toRead.get(sub.tenantId) ?? [];
        list.push(id);
        toRead.set(sub.tenantId, list);
      }
    }
    for (const [tenantId, ids] of toRead) void this.read(tenantId, ids, 'normal').catch(() => undefined);
    return applied + [...toRead.values()].reduce((a, l) => a + l.length, 0);
  }

  /** Lifecycle notifications: Graph removed a subscription or needs it re-authorised; both are fixed by re-creating. */
  lifecycle(body: unknown): void {
    const items = (body as { value?: unknown })?.value;
    if (!Array.isArray(items)) return;
    for (const raw of items.slice(0, 1000)) {
      const n = raw as { subscriptionId?: unknown; clientState?: unknown; lifecycleEvent?: unknown };
      const sub = typeof n.subscriptionId === 'string' ? this.subscriptions.get(n.subscriptionId) : undefined;
      if (!sub || typeof n.clientState !== 'string' || !sameSecret(n.clientState, sub.clientState)) continue;
      if (n.lifecycleEvent === 'subscriptionRemoved' || n.lifecycleEvent === 'reauthorizationRequired') {
        this.subscriptions.delete(sub.id);
        this.d.count?.('subscription_removed');
      }
    }
  }

  /**
   * Offboarding: the tenant's organisation was deleted. Its subscriptions end at Graph, through `caller` (a token
   * taken before the token cache was deleted; without one they run out within the hour, and their notifications are
   * ignored as unknown), and nothing about its people stays in memory.
   */
  async endTenant(tenantId: string, caller: GraphCaller | undefined): Promise<void> {
    const people = this.watched.get(tenantId);
    this.watched.delete(tenantId);
    this.retryCreateAt.delete(tenantId);
    this.failures.delete(tenantId);
    const forgetPerson = (objectId: string) => {
      this.lastRead.delete(objectId);
      this.unread.delete(objectId);
    };
    for (const id of people?.keys() ?? []) forgetPerson(id);
    for (const sub of [...this.subscriptions.values()].filter((s) => s.tenantId === tenantId)) {
      this.subscriptions.delete(sub.id);
      for (const id of sub.objectIds) forgetPerson(id);
      this.d.count?.('subscription_removed');
      if (caller) await this.d.graph.deleteSubscription(caller, sub.id).catch((err: unknown) => this.d.log?.warn({ err, tenantId }, 'presence subscription could not be deleted; it runs out within the hour'));
    }
  }

  /** Ends every subscription (shutdown). */
  async stop(): Promise<void> {
    for (const sub of [...this.subscriptions.values()]) {
      this.subscriptions.delete(sub.id);
      const caller = this.d.callerFor(sub.tenantId, 'background');
      if (caller) await this.d.graph.deleteSubscription(caller, sub.id).catch(() => undefined);
    }
  }

  private async upkeep(tenantId: string): Promise<void> {
    const people = this.watched.get(tenantId) ?? new Map<string, WatchedPerson>();
    const mine = [...this.subscriptions.values()].filter((s) => s.tenantId === tenantId);
    const now = this.now();
    for (const sub of mine) {
      // Nobody it covers is watched any more: end it rather than let it run out.
      if (![...sub.objectIds].some((id) => people.has(id)) || sub.expiresAt <= now) {
        this.subscriptions.delete(sub.id);
        const caller = this.d.callerFor(tenantId, 'background');
        if (caller && sub.expiresAt > now) await this.d.graph.deleteSubscription(caller, sub.id).catch(() => undefined);
        this.d.count?.('subscription_removed');
        continue;
      }
      if (sub.expiresAt - now <= RENEW_BEFORE_MS) {
        const caller = this.d.callerFor(tenantId, 'normal');
        if (!caller) continue;
        try {
          const renewed = await this.d.graph.renewSubscription(caller, sub.id, now + SUBSCRIPTION_LIFETIME_MS);
          sub.expiresAt = Date.parse(renewed.expirationDateTime) || now + SUBSCRIPTION_LIFETIME_MS;
          this.d.count?.('subscription_renewed');
        } catch (err) {
          // Gone (404) or refused: drop it; its people are polled until a new one is made below.
          this.subscriptions.delete(sub.id);
          this.d.count?.('subscription_failed');
          this.d.log?.warn({ err, tenantId }, 'presence subscription renewal failed; re-creating');
        }
      }
    }
    const covered = new Set<string>();
    for (const s of this.subscriptions.values()) if (s.tenantId === tenantId) for (const id of s.objectIds) covered.add(id);
    const uncovered = [...people.keys()].filter((id) => !covered.has(id)).sort();
    if (uncovered.length === 0 || (this.retryCreateAt.get(tenantId) ?? 0) > now) return;
    const caller = this.d.callerFor(tenantId, 'normal');
    if (!caller) return;
    for (let i = 0; i < uncovered.length; i += IDS_PER_SUBSCRIPTION) {
      const ids = uncovered.slice(i, i + IDS_PER_SUBSCRIPTION);
      const clientState = randomBytes(24).toString('base64url');
      const pending = { tenantId, objectIds: new Set(ids), clientState };
      this.creating.add(pending);
      try {
        const created = await this.d.graph.subscribePresence(caller, {
          objectIds: ids,
          notificationUrl: `${this.d.publicUrl}/api/teams/notifications`,
          lifecycleNotificationUrl: `${this.d.publicUrl}/api/teams/notifications/lifecycle`,
          clientState,
          expiresAt: now + SUBSCRIPTION_LIFETIME_MS,
        });
        if (!this.watched.has(tenantId)) {
          // The tenant was ended (offboarded) while Graph was creating this: end it too.
          await this.d.graph.deleteSubscription(caller, created.id).catch(() => undefined);
          return;
        }
        this.subscriptions.set(created.id, { ...pending, id: created.id, expiresAt: Date.parse(created.expirationDateTime) || now + SUBSCRIPTION_LIFETIME_MS });
        this.failures.delete(tenantId);
        this.d.count?.('subscription_created');
        // Graph notifies only changes made after the subscription exists. These people were last read when their
        // office opened, up to an upkeep round ago: read them once more, or a change made in between would show
        // until their next one.
        await this.read(tenantId, ids, 'normal');
      } catch (err) {
        // Back off (1 min, doubling to 10) and rely on polling meanwhile.
        const n = (this.failures.get(tenantId) ?? 0) + 1;
        this.failures.set(tenantId, n);
        this.retryCreateAt.set(tenantId, now + Math.min(10, 2 ** (n - 1)) * 60_000);
        this.d.count?.('subscription_failed');
        this.d.log?.warn({ err, tenantId }, 'presence subscription could not be created; polling instead');
        return;
      } finally {
        this.creating.delete(pending);
      }
    }
  }

  /** The polling fallback: people no subscription covers, not read for POLL_EVERY_MS, visible ones first. */
  private async poll(tenantId: string): Promise<void> {
    const people = this.watched.get(tenantId);
    if (!people) return;
    const covered = new Set<string>();
    for (const s of this.subscriptions.values()) if (s.tenantId === tenantId) for (const id of s.objectIds) covered.add(id);
    const due = this.now() - POLL_EVERY_MS;
    // A subscription covers someone only while its notifications can be acted on: people whose read after a
    // notification failed are polled like the uncovered until a read succeeds.
    const stale = [...people.entries()].filter(([id]) => this.unread.has(id) || (!covered.has(id) && (this.lastRead.get(id) ?? 0) <= due));
    stale.sort((a, b) => Number(b[1].visible) - Number(a[1].visible));
    const visible = stale.filter(([, p]) => p.visible).map(([id]) => id);
    const rest = stale.filter(([, p]) => !p.visible).map(([id]) => id);
    await this.read(tenantId, visible, 'normal');
    await this.read(tenantId, rest, 'background');
  }

  private async read(tenantId: string, objectIds: readonly string[], priority: GraphCaller['priority']): Promise<void> {
    if (objectIds.length === 0) return;
    const caller = this.d.callerFor(tenantId, priority);
    if (!caller) return;
    for (let i = 0; i < objectIds.length; i += IDS_PER_PRESENCE_REQUEST) {
      const ids = objectIds.slice(i, i + IDS_PER_PRESENCE_REQUEST);
      this.d.count?.('poll_request');
      try {
        const found = await this.d.graph.presences(caller, ids);
        const at = this.now();
        for (const id of ids) this.unread.delete(id);
        for (const p of found) {
          this.lastRead.set(p.id, at);
          this.apply(tenantId, p.id, p.availability, p.activity);
        }
      } catch (err) {
        // Remembered, so the next round reads them again even if a subscription covers them.
        for (const id of objectIds.slice(i)) this.unread.add(id);
        this.d.count?.('poll_failed');
        // Shed background work is expected under pressure; anything else is worth a line in the log.
        if ((err as Error).name !== 'GraphShedError') this.d.log?.warn({ err, tenantId }, 'presence poll failed');
        return;
      }
    }
  }

  /** The subscription being created with this clientState, whose id the bridge does not know yet. */
  private beingCreated(clientState: unknown): Omit<Subscription, 'id' | 'expiresAt'> | undefined {
    if (typeof clientState !== 'string') return undefined;
    for (const pending of this.creating) if (sameSecret(clientState, pending.clientState)) return pending;
    return undefined;
  }

  private apply(tenantId: string, objectId: string, availability: string, activity: string): void {
    const person = this.watched.get(tenantId)?.get(objectId);
    if (!person) return;
    this.lastRead.set(objectId, this.now());
    this.d.presence.fromMicrosoft(person.user, fromGraphAvailability(availability), fromGraphActivity(activity, availability));
    this.d.count?.('notification_applied');
  }
}

function fromGraphActivity(activity: string, availability: string): Activity {
  if ((Activities as readonly string[]).includes(activity)) return activity as Activity;
  // Graph has many more activities (InAConferenceCall, OutOfOffice, …); fall back to the availability's own word.
  return fromGraphAvailability(availability) as Activity;
}

/** The object id in a notification's resource path: communications/presences('id'). */
function idFromResource(resource: unknown): string | undefined {
  if (typeof resource !== 'string') return undefined;
  return /presences\('([^']+)'\)/i.exec(resource)?.[1];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
