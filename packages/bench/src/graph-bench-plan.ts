/**
 * The Graph benchmark's organisations, made up from a seed so that runs are repeatable: tenants, their users and
 * their teams (each team has an office tab). Pure: no I/O.
 */

export type Random = () => number;

/** A small seeded generator (mulberry32): good enough to make up people, fast, and the same on every run. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick needs at least one item');
  return items[Math.floor(random() * items.length)]!;
}

export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A version-4-shaped GUID (Entra object and tenant ids are GUIDs, and the product checks the shape). */
export function randomGuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface PlannedUser {
  id: string;
  displayName: string;
}

export interface PlannedTeam {
  id: string;
  displayName: string;
  members: string[];
}

export interface TenantPlan {
  index: number;
  tenantId: string;
  displayName: string;
  domain: string;
  users: PlannedUser[];
  teams: PlannedTeam[];
}

export const MIN_TEAM = 20;
export const MAX_TEAM = 40;

/**
 * Team sizes for `people` people: about 30 each, varied, each between 20 and 40 (one team of everyone when there are
 * fewer than 20).
 */
export function teamSizes(random: Random, people: number): number[] {
  if (!Number.isInteger(people) || people < 1) throw new RangeError(`people must be a positive integer, got ${people}`);
  if (people < MIN_TEAM * 2) return [people];
  const n = Math.max(Math.ceil(people / MAX_TEAM), Math.min(Math.floor(people / MIN_TEAM), Math.round(people / 30)));
  const sizes = Array.from({ length: n }, (_, i) => Math.floor(people / n) + (i < people % n ? 1 : 0));
  for (let k = 0; k < n * 4; k++) {
    const i = Math.floor(random() * n);
    const j = Math.floor(random() * n);
    const delta = randomInt(random, 1, 6);
    if (i !== j && sizes[i]! - delta >= MIN_TEAM && sizes[j]! + delta <= MAX_TEAM) {
      sizes[i]! -= delta;
      sizes[j]! += delta;
    }
  }
  return sizes;
}

/**
 * `tenants` organisations, each with `activeUsers` people in offices at any time plus a tenth more who are not (they
 * receive the "wants to talk" nudges and take over when someone leaves). Every person is in one team; one in ten is
 * also in a second team.
 */
export function planTenants(options: { tenants: number; activeUsers: number; seed: number }): TenantPlan[] {
  const { tenants, activeUsers, seed } = options;
  if (!Number.isInteger(tenants) || tenants < 1) throw new RangeError(`tenants must be a positive integer, got ${tenants}`);
  if (!Number.isInteger(activeUsers) || activeUsers < 2) throw new RangeError(`users must be an integer of at least 2, got ${activeUsers}`);
  const random = seededRandom(seed);
  const plans: TenantPlan[] = [];
  for (let t = 0; t < tenants; t++) {
    const domain = `bench${t}.onmicrosoft.com`;
    const users = Array.from({ length: activeUsers + Math.ceil(activeUsers / 10) }, (_, i) => ({ id: randomGuid(random), displayName: `Person ${t}-${i}` }));
    const order = shuffled(random, users.map((u) => u.id));
    const teams: PlannedTeam[] = [];
    let at = 0;
    for (const size of teamSizes(random, users.length)) {
      teams.push({ id: randomGuid(random), displayName: `Team ${t}-${teams.length}`, members: order.slice(at, at + size) });
      at += size;
    }
    if (teams.length > 1) {
      for (const u of users) {
        if (random() >= 0.1) continue;
        const other = pick(random, teams.filter((team) => !team.members.includes(u.id)));
        if (other.members.length < MAX_TEAM) other.members.push(u.id);
      }
    }
    plans.push({ index: t, tenantId: randomGuid(random), displayName: `Bench tenant ${t}`, domain, users, teams });
  }
  return plans;
}
