import type { Clock } from '../clock.js';
import { GraphError } from '../errors.js';

export interface PresenceState {
  availability: string;
  activity: string;
}

/** The (availability, activity) pairs setPresence accepts, per "Manage presence state using the Microsoft Graph API". */
export const APP_SESSION_STATES: readonly PresenceState[] = [
  { availability: 'Available', activity: 'Available' },
  { availability: 'Busy', activity: 'InACall' },
  { availability: 'Busy', activity: 'InAConferenceCall' },
  { availability: 'Away', activity: 'Away' },
  { availability: 'DoNotDisturb', activity: 'Presenting' },
];

export const AVAILABILITIES = ['Available', 'AvailableIdle', 'Away', 'BeRightBack', 'Busy', 'BusyIdle', 'DoNotDisturb', 'Offline', 'PresenceUnknown'] as const;

/** Session aggregation order, per the setPresence docs: DoNotDisturb > Busy > Available > Away (then Offline). */
const PRECEDENCE: Record<string, number> = {
  DoNotDisturb: 6,
  Busy: 5,
  BusyIdle: 4,
  Available: 3,
  AvailableIdle: 2,
  Away: 1,
  BeRightBack: 1,
  Offline: 0,
  PresenceUnknown: -1,
};

const MIN_EXPIRATION_MS = 5 * 60_000;
const MAX_EXPIRATION_MS = 4 * 60 * 60_000;

interface UserPresence {
  /** The user's own state, as their Teams clients report it (set through the fake's API). */
  own: PresenceState;
  /** Application sessions by session id (the app's client id), each with its expiry. */
  sessions: Map<string, PresenceState & { expiresAt: number }>;
}

export interface PresenceChange {
  tenantId: string;
  userId: string;
  presence: PresenceState;
}

/** Users' presence: their own state plus app sessions, aggregated as Microsoft documents. */
export class PresenceBook {
  private readonly users = new Map<string, UserPresence>();

  constructor(private readonly clock: Clock) {}

  get(tenantId: string, userId: string): PresenceState {
    const entry = this.users.get(key(tenantId, userId));
    if (!entry) return { availability: 'Offline', activity: 'Offline' };
    return aggregate(entry, this.clock.now());
  }

  /** Returns the change when the aggregated presence moved. */
  setOwn(tenantId: string, userId: string, state: PresenceState): PresenceChange | undefined {
    if (!(AVAILABILITIES as readonly string[]).includes(state.availability) || typeof state.activity !== 'string' || state.activity === '') {
      throw new GraphError(400, 'BadRequest', `availability must be one of ${AVAILABILITIES.join(', ')} and activity a non-empty string`);
    }
    return this.mutate(tenantId, userId, (entry) => {
      entry.own = { availability: state.availability, activity: state.activity };
    });
  }

  /** POST /users/{id}/presence/setPresence; expirationDuration is ISO 8601 between PT5M and PT4H (default PT5M). */
  setSession(tenantId: string, userId: string, body: unknown): PresenceChange | undefined {
    const input = (body ?? {}) as Record<string, unknown>;
    const sessionId = input.sessionId;
    if (typeof sessionId !== 'string' || sessionId === '') throw new GraphError(400, 'BadRequest', 'sessionId is required.');
    const pair = APP_SESSION_STATES.find((state) => state.availability === input.availability && state.activity === input.activity);
    if (!pair) {
      throw new GraphError(400, 'BadRequest', `Unsupported availability/activity '${String(input.availability)}/${String(input.activity)}'. Supported: ${APP_SESSION_STATES.map((s) => `${s.availability}/${s.activity}`).join(', ')}.`);
    }
    const durationMs = input.expirationDuration === undefined ? MIN_EXPIRATION_MS : parseIsoDuration(input.expirationDuration);
    if (durationMs === undefined || durationMs < MIN_EXPIRATION_MS || durationMs > MAX_EXPIRATION_MS) {
      throw new GraphError(400, 'BadRequest', `expirationDuration must be an ISO 8601 duration between PT5M and PT4H, got '${String(input.expirationDuration)}'.`);
    }
    return this.mutate(tenantId, userId, (entry) => {
      entry.sessions.set(sessionId, { ...pair, expiresAt: this.clock.now() + durationMs });
    });
  }

  /** POST /users/{id}/presence/clearPresence; a session that does not exist is a 404 like Graph's. */
  clearSession(tenantId: string, userId: string, body: unknown): PresenceChange | undefined {
    const sessionId = ((body ?? {}) as Record<string, unknown>).sessionId;
    if (typeof sessionId !== 'string' || sessionId === '') throw new GraphError(400, 'BadRequest', 'sessionId is required.');
    const entry = this.users.get(key(tenantId, userId));
    if (!entry?.sessions.has(sessionId)) throw new GraphError(404, 'NotFound', `Presence session '${sessionId}' was not found.`);
    return this.mutate(tenantId, userId, (current) => {
      current.sessions.delete(sessionId);
    });
  }

  /** Drops expired sessions and reports whose aggregated presence changed because of it. */
  expireSessions(): PresenceChange[] {
    const now = this.clock.now();
    const changes: PresenceChange[] = [];
    for (const [entryKey, entry] of this.users) {
      const expired = [...entry.sessions].filter(([, session]) => session.expiresAt <= now);
      if (expired.length === 0) continue;
      const before = aggregateIncludingExpired(entry);
      for (const [sessionId] of expired) entry.sessions.delete(sessionId);
      const after = aggregate(entry, now);
      if (before.availability !== after.availability || before.activity !== after.activity) {
        const [tenantId, userId] = entryKey.split('|') as [string, string];
        changes.push({ tenantId, userId, presence: after });
      }
    }
    return changes;
  }

  private mutate(tenantId: string, userId: string, change: (entry: UserPresence) => void): PresenceChange | undefined {
    const entryKey = key(tenantId, userId);
    let entry = this.users.get(entryKey);
    if (!entry) {
      entry = { own: { availability: 'Offline', activity: 'Offline' }, sessions: new Map() };
      this.users.set(entryKey, entry);
    }
    const now = this.clock.now();
    const before = aggregate(entry, now);
    change(entry);
    const after = aggregate(entry, now);
    if (before.availability === after.availability && before.activity === after.activity) return undefined;
    return { tenantId, userId, presence: after };
  }
}

function key(tenantId: string, userId: string): string {
  return `${tenantId}|${userId}`;
}

function aggregate(entry: UserPresence, now: number): PresenceState {
  return pickHighest([entry.own, ...[...entry.sessions.values()].filter((session) => session.expiresAt > now)]);
}

function aggregateIncludingExpired(entry: UserPresence): PresenceState {
  return pickHighest([entry.own, ...entry.sessions.values()]);
}

function pickHighest(states: PresenceState[]): PresenceState {
  let best = states[0] ?? { availability: 'Offline', activity: 'Offline' };
  for (const state of states) if ((PRECEDENCE[state.availability] ?? -1) > (PRECEDENCE[best.availability] ?? -1)) best = state;
  return { availability: best.availability, activity: best.activity };
}

/** Parses the day/time part of an ISO 8601 duration (PnDTnHnMnS); anything else is undefined. */
export function parseIsoDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes ?? 0)) * 60_000 + Number(seconds ?? 0) * 1000;
}
