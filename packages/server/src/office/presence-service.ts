import type { Activity, Availability, AvatarSpecView, ChosenAvailability, PersonView } from '@metaoffice/protocol';

export interface PresenceUser {
  id: string;
  orgId: string;
  name: string;
}

interface Live {
  user: PresenceUser;
  officeId: string | null;
  lastInput: number;
  idle: boolean;
  inCall: boolean;
}

export interface PresenceSinks {
  /** Tell the organisation's connected people that this person's row changed. */
  publish(orgId: string, person: PersonView): void;
  /** Tell the office engine the person's new state, so their name label changes colour. */
  apply(officeId: string, userId: string, availability: Availability, activity: Activity): void;
  /**
   * Cluster mode: tell the other nodes that the row of a person connected HERE changed (an Offline row when they leave
   * this node). Never called for rows that came from other nodes, so announcements do not echo around the cluster.
   */
  shared?(orgId: string, person: PersonView): void;
}

/** A person's row as another node of the cluster announced it. */
interface RemoteRow {
  orgId: string;
  person: PersonView;
}

/**
 * Our own presence service, on Microsoft Graph's availability/activity model: connection, a chosen status and
 * idleness decide what everyone sees. Presence is never persisted (DESIGN §5).
 */
export class PresenceService {
  private readonly live = new Map<string, Live>();
  /** A status someone chose survives reconnects for as long as this process runs. */
  private readonly chosen = new Map<string, ChosenAvailability>();
  /** Teams mode: what Microsoft 365 says (Graph notifications and polling). Memory only, like everything here. */
  private readonly microsoft = new Map<string, { availability: Availability; activity: Activity; user: PresenceUser }>();
  /**
   * Cluster mode: people connected to other nodes, by userId then nodeId. A person moving between offices on different
   * nodes is briefly announced by both, in no guaranteed order; keeping one row per node lets the old node's late
   * Offline remove only its own row. The last row in the inner map (the most recently announced) is the one shown.
   */
  private readonly remote = new Map<string, Map<string, RemoteRow>>();
  private readonly now: () => number;

  constructor(
    private readonly opts: { idleAwayMs: number; now?: () => number },
    private readonly sinks: PresenceSinks,
  ) {
    this.now = opts.now ?? Date.now;
  }

  connected(user: PresenceUser, officeId: string): void {
    this.live.set(user.id, { user, officeId, lastInput: this.now(), idle: false, inCall: false });
    this.changed(user.id);
  }

  disconnected(userId: string, officeId: string): void {
    const l = this.live.get(userId);
    if (!l || l.officeId !== officeId) return;
    l.officeId = null;
    this.changed(userId);
    this.live.delete(userId);
  }

  /** Any input from the person: a step, a message. Brings them back from idle Away. */
  touched(userId: string): void {
    const l = this.live.get(userId);
    if (!l) return;
    l.lastInput = this.now();
    if (l.idle) {
      l.idle = false;
      this.changed(userId);
    }
  }

  choose(userId: string, availability: ChosenAvailability): void {
    if (availability === 'Available') this.chosen.delete(userId);
    else this.chosen.set(userId, availability);
    this.touched(userId);
    this.changed(userId);
  }

  /** Entering or leaving a walk-up conversation or a meeting-room call. */
  inCall(userId: string, inCall: boolean): void {
    const l = this.live.get(userId);
    if (!l || l.inCall === inCall) return;
    l.inCall = inCall;
    this.changed(userId);
  }

  /**
   * Teams mode: Microsoft 365's presence for a person, from a change notification or a poll. It colours people who are
   * not in the office, and wins over the office's own state when it is busier (a Teams meeting, do-not-disturb).
   */
  fromMicrosoft(user: PresenceUser, availability: Availability, activity: Activity): void {
    const before = this.state(user.id);
    this.microsoft.set(user.id, { availability, activity, user });
    const after = this.state(user.id);
    if (before.availability === after.availability && before.activity === after.activity) return;
    if (this.live.has(user.id)) this.changed(user.id);
    else this.sinks.publish(user.orgId, { userId: user.id, name: user.name, availability: after.availability, activity: after.activity, officeId: after.officeId, look: lookOf(user.id) });
  }

  /**
   * Cluster mode: a person's row as node `nodeId` announced it. Someone connected here is shown from this node's own
   * state, so their remote rows are kept (for when they leave) but not shown.
   */
  applyRemote(nodeId: string, orgId: string, person: PersonView): void {
    this.updateRemote(person.userId, { orgId, person }, (rows) => {
      rows.delete(nodeId);
      if (person.officeId !== null && person.availability !== 'Offline') rows.set(nodeId, { orgId, person });
    });
  }

  /** Cluster mode: node `nodeId` died, so nobody is connected through it any more. */
  dropNode(nodeId: string): void {
    for (const [userId, rows] of [...this.remote]) {
      const row = rows.get(nodeId);
      if (row) this.updateRemote(userId, row, (r) => r.delete(nodeId));
    }
  }

  /** Every row other nodes announced, for reconciling with a fresh snapshot of the cluster. */
  *remoteRows(): Iterable<{ nodeId: string; orgId: string; person: PersonView }> {
    for (const rows of this.remote.values()) for (const [nodeId, { orgId, person }] of rows) yield { nodeId, orgId, person };
  }

  /** The rows this node announces to the others: everyone connected here. */
  *localRows(): Iterable<{ orgId: string; person: PersonView }> {
    for (const { user } of this.connectedPeople()) yield { orgId: user.orgId, person: this.view(user, lookOf(user.id)) };
  }

  /** People whose Microsoft 365 presence is known (for the presence bridge's bookkeeping). */
  microsoftKnown(userId: string): boolean {
    return this.microsoft.has(userId);
  }

  /** An erased account: nothing about the person stays in memory either. */
  forget(userId: string): void {
    this.chosen.delete(userId);
    this.live.delete(userId);
    this.microsoft.delete(userId);
    this.remote.delete(userId);
  }

  /** Marks people idle for too long as Away; called periodically. */
  sweep(): void {
    const limit = this.now() - this.opts.idleAwayMs;
    for (const l of this.live.values()) {
      if (!l.idle && l.lastInput < limit) {
        l.idle = true;
        this.changed(l.user.id);
      }
    }
  }

  /** What everyone sees: this node's own state of the person if connected here, else another node's row. */
  state(userId: string): { availability: Availability; activity: Activity; officeId: string | null } {
    const l = this.live.get(userId);
    const ms = this.microsoft.get(userId);
    const inOffice = l && l.officeId !== null ? { ...this.localState(l), officeId: l.officeId } : this.remoteState(userId);
    if (!inOffice) return ms ? { availability: ms.availability, activity: ms.activity, officeId: null } : { availability: 'Offline', activity: 'Offline', officeId: null };
    if (ms && BUSYNESS[ms.availability] > BUSYNESS[inOffice.availability]) return { availability: ms.availability, activity: ms.activity, officeId: inOffice.officeId };
    return inOffice;
  }

  private remoteState(userId: string): { availability: Availability; activity: Activity; officeId: string } | undefined {
    const shown = this.shownRemote(userId)?.person;
    return shown?.officeId ? { availability: shown.availability, activity: shown.activity, officeId: shown.officeId } : undefined;
  }

  private shownRemote(userId: string): RemoteRow | undefined {
    const rows = this.remote.get(userId);
    if (!rows) return undefined;
    let last: RemoteRow | undefined;
    for (const row of rows.values()) last = row;
    return last;
  }

  private isLive(userId: string): boolean {
    return (this.live.get(userId)?.officeId ?? null) !== null;
  }

  /**
   * Changes a person's remote rows and tells local connections when what they see changed. `fallback` names the
   * person (and their organisation) once no row is left.
   */
  private updateRemote(userId: string, fallback: RemoteRow, change: (rows: Map<string, RemoteRow>) => void): void {
    const before = this.remoteView(userId, fallback);
    const rows = this.remote.get(userId) ?? new Map<string, RemoteRow>();
    change(rows);
    if (rows.size > 0) this.remote.set(userId, rows);
    else this.remote.delete(userId);
    // Someone connected here is published by this node's own changes; a remote row must not override them.
    if (this.isLive(userId)) return;
    const after = this.remoteView(userId, fallback);
    if (!samePerson(before.person, after.person)) this.sinks.publish(after.orgId, after.person);
  }

  private remoteView(userId: string, fallback: RemoteRow): RemoteRow {
    const { orgId, person } = this.shownRemote(userId) ?? fallback;
    return { orgId, person: { userId, name: person.name, look: person.look, ...this.state(userId) } };
  }

  private localState(l: Live): { availability: Availability; activity: Activity } {
    const chosen = this.chosen.get(l.user.id);
    // Graph's order: do-not-disturb wins, then being in a call, then a chosen status, then idleness.
    if (chosen === 'DoNotDisturb') return { availability: 'DoNotDisturb', activity: 'DoNotDisturb' };
    if (l.inCall) return { availability: 'Busy', activity: 'InACall' };
    const availability: Availability = chosen ?? (l.idle ? 'Away' : 'Available');
    return { availability, activity: availability };
  }

  view(user: PresenceUser, look: number, avatar?: AvatarSpecView): PersonView {
    const s = this.state(user.id);
    return { userId: user.id, name: user.name, availability: s.availability, activity: s.activity, officeId: s.officeId, look, ...(avatar ? { avatar } : {}) };
  }

  /** Everyone connected to an office on this node right now; people on other nodes are not included. */
  *connectedPeople(): Iterable<{ user: PresenceUser; officeId: string }> {
    for (const l of this.live.values()) if (l.officeId) yield { user: l.user, officeId: l.officeId };
  }

  /** People connected to the office on this node (its owner, in a cluster, which is where everyone in it connects). */
  onlineIn(officeId: string): number {
    let n = 0;
    for (const l of this.live.values()) if (l.officeId === officeId) n++;
    return n;
  }

  /** People in an office whichever node runs it: this node's connections, or other nodes' rows in a cluster. */
  onlineAnywhere(officeId: string): number {
    let n = 0;
    const counted = new Set<string>();
    for (const l of this.live.values()) {
      if (l.officeId === officeId) {
        n++;
        counted.add(l.user.id);
      }
    }
    for (const { person } of this.remoteRows()) {
      if (person.officeId === officeId && !counted.has(person.userId)) {
        n++;
        counted.add(person.userId);
      }
    }
    return n;
  }

  private changed(userId: string): void {
    const l = this.live.get(userId);
    if (!l) return;
    const s = this.state(userId);
    const person: PersonView = { userId, name: l.user.name, availability: s.availability, activity: s.activity, officeId: s.officeId, look: lookOf(userId) };
    this.sinks.publish(l.user.orgId, person);
    if (l.officeId) this.sinks.apply(l.officeId, userId, s.availability, s.activity);
    // Leaving: what everyone here sees may now be another node's row (they moved there), but this node announces only
    // that they left it.
    this.sinks.shared?.(l.user.orgId, l.officeId ? person : { ...person, availability: 'Offline', activity: 'Offline', officeId: null });
  }
}

function samePerson(a: PersonView, b: PersonView): boolean {
  return a.userId === b.userId && a.name === b.name && a.look === b.look && a.availability === b.availability && a.activity === b.activity && a.officeId === b.officeId;
}

/** Graph's aggregation order: the busier state is the one people see. */
const BUSYNESS: Record<Availability, number> = { Offline: 0, Away: 1, BeRightBack: 2, Available: 3, Busy: 4, DoNotDisturb: 5 };

/** A stable avatar look per person until the avatar editor lets them choose (8 looks in the sprite sheet). */
export function lookOf(userId: string): number {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
  return (h >>> 0) % 8;
}
