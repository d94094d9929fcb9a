import type { Activity, Availability, ChosenAvailability, PersonView } from '@metaoffice/protocol';

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
    else this.sinks.publish(user.orgId, { userId: user.id, name: user.name, availability: after.availability, activity: after.activity, officeId: null, look: lookOf(user.id) });
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

  state(userId: string): { availability: Availability; activity: Activity; officeId: string | null } {
    const l = this.live.get(userId);
    const ms = this.microsoft.get(userId);
    if (!l || l.officeId === null) return ms ? { availability: ms.availability, activity: ms.activity, officeId: null } : { availability: 'Offline', activity: 'Offline', officeId: null };
    const local = this.localState(l);
    if (ms && BUSYNESS[ms.availability] > BUSYNESS[local.availability]) return { availability: ms.availability, activity: ms.activity, officeId: l.officeId };
    return { ...local, officeId: l.officeId };
  }

  private localState(l: Live): { availability: Availability; activity: Activity } {
    const chosen = this.chosen.get(l.user.id);
    // Graph's order: do-not-disturb wins, then being in a call, then a chosen status, then idleness.
    if (chosen === 'DoNotDisturb') return { availability: 'DoNotDisturb', activity: 'DoNotDisturb' };
    if (l.inCall) return { availability: 'Busy', activity: 'InACall' };
    const availability: Availability = chosen ?? (l.idle ? 'Away' : 'Available');
    return { availability, activity: availability };
  }

  view(user: PresenceUser, look: number): PersonView {
    const s = this.state(user.id);
    return { userId: user.id, name: user.name, availability: s.availability, activity: s.activity, officeId: s.officeId, look };
  }

  /** Everyone connected to an office right now. */
  *connectedPeople(): Iterable<{ user: PresenceUser; officeId: string }> {
    for (const l of this.live.values()) if (l.officeId) yield { user: l.user, officeId: l.officeId };
  }

  onlineIn(officeId: string): number {
    let n = 0;
    for (const l of this.live.values()) if (l.officeId === officeId) n++;
    return n;
  }

  private changed(userId: string): void {
    const l = this.live.get(userId);
    if (!l) return;
    const s = this.state(userId);
    this.sinks.publish(l.user.orgId, { userId, name: l.user.name, availability: s.availability, activity: s.activity, officeId: s.officeId, look: lookOf(userId) });
    if (l.officeId) this.sinks.apply(l.officeId, userId, s.availability, s.activity);
  }
}

/** Graph's aggregation order: the busier state is the one people see. */
const BUSYNESS: Record<Availability, number> = { Offline: 0, Away: 1, BeRightBack: 2, Available: 3, Busy: 4, DoNotDisturb: 5 };

/** A stable avatar look per person until the avatar editor lets them choose (8 looks in the sprite sheet). */
export function lookOf(userId: string): number {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
  return (h >>> 0) % 8;
}
