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

  /** An erased account: nothing about the person stays in memory either. */
  forget(userId: string): void {
    this.chosen.delete(userId);
    this.live.delete(userId);
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
    if (!l || l.officeId === null) return { availability: 'Offline', activity: 'Offline', officeId: null };
    const chosen = this.chosen.get(userId);
    // Graph's order: do-not-disturb wins, then being in a call, then a chosen status, then idleness.
    if (chosen === 'DoNotDisturb') return { availability: 'DoNotDisturb', activity: 'DoNotDisturb', officeId: l.officeId };
    if (l.inCall) return { availability: 'Busy', activity: 'InACall', officeId: l.officeId };
    const availability: Availability = chosen ?? (l.idle ? 'Away' : 'Available');
    return { availability, activity: availability, officeId: l.officeId };
  }

  view(user: PresenceUser, look: number): PersonView {
    const s = this.state(user.id);
    return { userId: user.id, name: user.name, availability: s.availability, activity: s.activity, officeId: s.officeId, look };
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

/** A stable avatar look per person until the avatar editor lets them choose (8 looks in the sprite sheet). */
export function lookOf(userId: string): number {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
  return (h >>> 0) % 8;
}
