import type { ConversationState } from '@metaoffice/protocol';
import type { Store, User } from '../storage/index.js';
import type { PresenceService, PresenceUser } from '../office/presence-service.js';
import type { GraphTokenBroker } from './graph-tokens.js';
import type { PresenceBridge, WatchedPerson } from './presence-bridge.js';
import type { GraphCaller, TeamsGraph } from './teams-graph.js';
import type { TeamsService } from './teams-service.js';
import { TtlCache } from './ttl-cache.js';

export interface TeamsModeDeps {
  store: Store;
  graph: TeamsGraph;
  tokens: GraphTokenBroker;
  teams: TeamsService;
  presence: PresenceService;
  bridge: PresenceBridge;
  /** setPresence's sessionId: the app's client id, as Graph requires for an application session. */
  clientId: string;
  publicUrl: string;
  /** Sends a JSON control message to one connected person. */
  sendTo(userId: string, message: object): void;
  log: { warn(obj: object, msg: string): void };
  now?: () => number;
}

/** An app presence session lasts this long unless renewed (Graph allows PT5M–PT4H). */
const PRESENCE_EXPIRY = 'PT1H';
const PRESENCE_RENEW_MS = 45 * 60_000;
/** How often the watch list is recomputed when nobody arrives or leaves (team membership is cached five minutes). */
const WATCH_REFRESH_MS = 60_000;

/**
 * The live side of Teams mode, beside the office engines:
 * - whose Microsoft 365 presence to follow (the members of every Teams office someone is in), fed to the bridge;
 * - presence writes: Busy/InACall during a conversation, Available after it, cleared on leaving the office, renewed
 *   while a state holds;
 * - a Teams meeting per conversation or meeting room, through createOrGet with a deterministic externalId, whose
 *   join link goes to the call's members ("Join on Teams").
 */
export class TeamsMode {
  /** userId → tenant, for connected Teams people. */
  private readonly connected = new Map<string, { user: PresenceUser; tenantId: string; officeId: string }>();
  /** Presence this app last set per person, and when, so renewals and the final clear know what to do. */
  private readonly written = new Map<string, { state: 'call' | 'available'; at: number; tenantId: string }>();
  /** What the office last asked Microsoft 365 to show for a person (set at once; `written` follows when Graph answers). */
  private readonly intended = new Map<string, 'call' | 'available'>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly meetings: TtlCache<string, Promise<string | undefined>>;
  private readonly now: () => number;

  constructor(private readonly d: TeamsModeDeps) {
    this.now = d.now ?? Date.now;
    this.meetings = new TtlCache(24 * 3_600_000, 100_000, this.now);
  }

  /** A caller for the tenant on behalf of someone connected from it (the first with a cached token wins). */
  callerFor(tenantId: string, priority: GraphCaller['priority']): GraphCaller | undefined {
    const candidates = [...this.connected.values()].filter((c) => c.tenantId === tenantId);
    if (candidates.length === 0) return undefined;
    let i = 0;
    return {
      tenantId,
      priority,
      token: async () => {
        // Try people in turn: someone whose cached token lapsed must not stop everyone else's presence.
        for (; i < candidates.length; i++) {
          try {
            return (await this.d.tokens.forUser(candidates[i]!.user.id, tenantId)).accessToken;
          } catch {
            continue;
          }
        }
        throw new Error('nobody connected from this tenant has a usable Graph token');
      },
    };
  }

  /** Called when someone joins or leaves an office (from the presence sinks). */
  async refresh(): Promise<void> {
    const seen = new Set<string>();
    let changed = false;
    for (const { user, officeId } of this.d.presence.connectedPeople()) {
      seen.add(user.id);
      if (this.connected.get(user.id)?.officeId === officeId) continue;
      const tenantId = await this.tenantOfOrg(user.orgId);
      if (tenantId) {
        this.connected.set(user.id, { user, tenantId, officeId });
        changed = true;
      }
    }
    for (const userId of this.connected.keys()) {
      if (seen.has(userId)) continue;
      this.connected.delete(userId);
      changed = true;
    }
    // Whoever left the office loses the app's presence session (even someone who came and went between two refreshes).
    for (const [userId, w] of this.written) if (!seen.has(userId)) void this.clearPresence(userId, w.tenantId);
    // The watch list is recomputed when someone arrives or leaves, and now and then for changes in team membership;
    // not on every 2-second refresh, which would read the database for every open office each time.
    if (changed || this.now() - this.watchUpdatedAt >= WATCH_REFRESH_MS) {
      this.watchUpdatedAt = this.now();
      await this.updateWatch();
    }
  }
  private watchUpdatedAt = 0;

  /**
   * Offboarding an organisation (its admin deletes it, or its last person erases their account). Called before the
   * deletion and changes nothing: it takes what Graph calls will need while the token cache still exists (the deleting
   * person's token, and the tokens of people this app shows as in a call). The function it returns, called once the
   * rows are gone, ends the tenant's presence subscriptions at Graph, clears the presence this app set, and forgets
   * the organisation's people here.
   */
  async prepareOffboarding(user: User): Promise<() => Promise<void>> {
    const tenantId = await this.tenantOfOrg(user.orgId);
    if (!tenantId) return async () => undefined;
    const tokenOf = (userId: string) => this.d.tokens.forUser(userId, tenantId).then((t) => t.accessToken, () => undefined);
    const token = await tokenOf(user.id);
    const caller: GraphCaller | undefined = token ? { tenantId, priority: 'interactive', token: async () => token } : undefined;
    const orgPeople = [...this.connected.entries()].filter(([, c]) => c.user.orgId === user.orgId).map(([id]) => id);
    const shown = orgPeople.filter((id) => this.written.has(id));
    const objectIds = await this.d.store.teams.objectIdsOf(shown).catch(() => new Map<string, string>());
    const clears = await Promise.all(shown.map(async (id) => ({ objectId: objectIds.get(id), token: await tokenOf(id) })));
    return async () => {
      await this.d.bridge.endTenant(tenantId, caller);
      for (const id of orgPeople) {
        this.connected.delete(id);
        this.intended.delete(id);
        this.written.delete(id);
      }
      for (const c of clears) {
        if (!c.objectId || !c.token) continue;
        const as: GraphCaller = { tenantId, priority: 'normal', token: async () => c.token! };
        await this.d.graph.clearPresence(as, c.objectId, this.d.clientId).catch((err: unknown) => this.d.log.warn({ err }, 'Microsoft 365 presence could not be cleared'));
      }
      this.tenants.delete(user.orgId);
      this.watchedTenants.delete(tenantId);
    };
  }

  /** An organisation's tenant, remembered: an organisation never changes tenant, and standalone ones have none. */
  private async tenantOfOrg(orgId: string): Promise<string | undefined> {
    if (this.tenants.has(orgId)) return this.tenants.get(orgId) ?? undefined;
    let tenantId: string | undefined;
    try {
      tenantId = await this.d.store.teams.tenantOf(orgId);
    } catch {
      return undefined; // not remembered: the next refresh asks again
    }
    if (this.tenants.size >= 100_000) this.tenants.delete(this.tenants.keys().next().value!);
    this.tenants.set(orgId, tenantId ?? null);
    return tenantId;
  }
  private readonly tenants = new Map<string, string | null>();

  /** Recomputes whose presence the bridge follows: the members of every Teams office with someone in it. */
  private async updateWatch(): Promise<void> {
    const byTenant = new Map<string, Map<string, WatchedPerson>>();
    const offices = new Map<string, { tenantId: string; viewer: User }>();
    for (const c of this.connected.values()) {
      if (!offices.has(c.officeId)) {
        const viewer = await this.d.store.users.byId(c.user.id);
        if (viewer) offices.set(c.officeId, { tenantId: c.tenantId, viewer });
      }
    }
    const fresh: { tenantId: string; ids: string[] }[] = [];
    for (const [officeId, { tenantId, viewer }] of offices) {
      const people = await this.d.teams.people(viewer, officeId).catch((err: unknown) => {
        this.d.log.warn({ err, officeId }, 'team members unavailable; presence follows the last known list');
        return undefined;
      });
      if (!people) continue;
      const ids = await this.d.store.teams.objectIdsOf(people.map((p) => p.id));
      const map = byTenant.get(tenantId) ?? new Map<string, WatchedPerson>();
      const newIds: string[] = [];
      for (const p of people) {
        const oid = ids.get(p.id);
        if (!oid) continue;
        if (!this.d.presence.microsoftKnown(p.id)) newIds.push(oid);
        map.set(oid, { user: { id: p.id, orgId: p.orgId, name: p.name }, visible: this.connected.get(p.id)?.officeId === officeId });
      }
      byTenant.set(tenantId, map);
      if (newIds.length) fresh.push({ tenantId, ids: newIds });
    }
    for (const tenantId of new Set([...byTenant.keys(), ...this.watchedTenants])) this.d.bridge.watch(tenantId, byTenant.get(tenantId) ?? new Map());
    this.watchedTenants = new Set(byTenant.keys());
    // Presence is read on connection (DESIGN §5): people seen for the first time are read at once.
    for (const f of fresh) await this.d.bridge.readNow(f.tenantId, f.ids).catch(() => undefined);
  }
  private watchedTenants = new Set<string>();

  /** From the office engine: someone entered (true) or left (false) a conversation or room call. */
  onCallChange(userId: string, inCall: boolean): void {
    const want = inCall ? 'call' : 'available';
    const last = this.intended.get(userId);
    // The engine reports every member on every join or leave of their call: write only what changes, and write
    // "Available" only after a call (arriving in the office leaves Microsoft 365's own state alone).
    if (last === want || (!inCall && last === undefined)) return;
    this.intended.set(userId, want);
    // One person's writes go out in order, so a quick call-then-leave cannot end as Busy.
    const previous = this.writes.get(userId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const tenantId = await this.tenantFor(userId);
      if (tenantId && this.intended.get(userId) === want) await this.writePresence(userId, tenantId, want);
    });
    this.writes.set(userId, next);
    void next.finally(() => {
      if (this.writes.get(userId) === next) this.writes.delete(userId);
    });
  }

  /**
   * The tenant of a Teams person. The periodic refresh may not have seen someone who just arrived, so their first
   * call must not depend on it.
   */
  private async tenantFor(userId: string): Promise<string | undefined> {
    const c = this.connected.get(userId);
    if (c) return c.tenantId;
    const user = await this.d.store.users.byId(userId).catch(() => undefined);
    return user ? this.tenantOfOrg(user.orgId) : undefined;
  }

  /** Renews app presence sessions before they lapse; called periodically. */
  async renew(): Promise<void> {
    const due = this.now() - PRESENCE_RENEW_MS;
    for (const [userId, w] of this.written) if (w.at <= due && this.connected.has(userId)) await this.writePresence(userId, w.tenantId, w.state);
  }

  /**
   * From the office engine: a member's conversation state. The call gets its Teams meeting (created once, reused by
   * every later join), and the member is told its join link.
   */
  onConversation(officeId: string, userId: string, conv: ConversationState | null): void {
    if (!conv) return;
    void this.tenantFor(userId).then((tenantId) => {
      if (tenantId) this.meetingFor(officeId, userId, tenantId, conv);
    });
  }

  private meetingFor(officeId: string, userId: string, tenantId: string, conv: ConversationState): void {
    const c = { tenantId };
    const externalId = conv.kind === 'room' && conv.roomId ? `metaoffice:${officeId}:room:${conv.roomId}` : `metaoffice:${officeId}:conversation:${conv.id}`;
    let link = this.meetings.get(externalId);
    if (!link) {
      const subject = conv.roomName ? `${conv.roomName} (MetaOffice)` : `Conversation in MetaOffice`;
      link = this.d.store.teams.objectIdsOf([userId]).then((ids) => {
        // The first member to arrive organises the meeting; the meeting counts against their monthly limit.
        const caller: GraphCaller = { tenantId: c.tenantId, priority: 'normal', objectId: ids.get(userId), token: async () => (await this.d.tokens.forUser(userId, c.tenantId)).accessToken };
        return this.d.graph.createOrGetMeeting(caller, externalId, subject);
      }).then(
        (m) => m.joinWebUrl,
        (err: unknown) => {
          this.d.log.warn({ err, officeId }, 'Teams meeting could not be created');
          this.meetings.delete(externalId);
          return undefined;
        },
      );
      this.meetings.set(externalId, link);
    }
    void link.then((joinWebUrl) => {
      if (joinWebUrl) this.d.sendTo(userId, { t: 'meeting', conversationId: conv.id, joinWebUrl });
    });
  }

  private async writePresence(userId: string, tenantId: string, state: 'call' | 'available'): Promise<void> {
    const objectId = (await this.d.store.teams.objectIdsOf([userId]).catch(() => new Map<string, string>())).get(userId);
    if (!objectId) return;
    const caller: GraphCaller = { tenantId, priority: 'normal', token: async () => (await this.d.tokens.forUser(userId, tenantId)).accessToken };
    try {
      await this.d.graph.setPresence(caller, objectId, state === 'call'
        ? { sessionId: this.d.clientId, availability: 'Busy', activity: 'InACall', expirationDuration: PRESENCE_EXPIRY }
        : { sessionId: this.d.clientId, availability: 'Available', activity: 'Available', expirationDuration: PRESENCE_EXPIRY });
      this.written.set(userId, { state, at: this.now(), tenantId });
    } catch (err) {
      this.d.log.warn({ err }, 'Microsoft 365 presence could not be set');
    }
  }

  private async clearPresence(userId: string, tenantId: string): Promise<void> {
    this.intended.delete(userId);
    if (!this.written.delete(userId)) return;
    const objectId = (await this.d.store.teams.objectIdsOf([userId]).catch(() => new Map<string, string>())).get(userId);
    if (!objectId) return;
    const caller: GraphCaller = { tenantId, priority: 'normal', token: async () => (await this.d.tokens.forUser(userId, tenantId)).accessToken };
    await this.d.graph.clearPresence(caller, objectId, this.d.clientId).catch((err: unknown) => this.d.log.warn({ err }, 'Microsoft 365 presence could not be cleared'));
  }
}
