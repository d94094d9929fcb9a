import { describe, expect, it } from 'vitest';
import { AcceleratedClock } from './graph-bench-clock.js';
import { EventQueue } from './graph-bench-events.js';
import { MAX_TEAM, MIN_TEAM, planTenants, seededRandom, teamSizes } from './graph-bench-plan.js';
import { StalenessTracker } from './graph-bench-staleness.js';
import { parseGraphBenchArgs, smokeProblems, type GraphBenchResult } from './graph-bench.js';

describe('AcceleratedClock', () => {
  it('runs at real speed, then at the given speed from the switch on, without a jump', () => {
    let real = 1_000;
    const clock = new AcceleratedClock(50_000, () => real);
    real += 200;
    expect(clock.now()).toBe(50_200);
    expect(clock.rate).toBe(1);
    clock.accelerate(12);
    expect(clock.now()).toBe(50_200);
    real += 100;
    expect(clock.now()).toBe(51_400);
    expect(clock.rate).toBe(12);
    expect(() => clock.accelerate(2)).toThrow(/already/);
    expect(() => new AcceleratedClock(0, () => 0).accelerate(0)).toThrow(RangeError);
  });

  it('another thread attaching to the state reads the same time line', () => {
    let real = 0;
    const a = new AcceleratedClock(10_000, () => real);
    const b = new AcceleratedClock(a.state, () => real);
    a.accelerate(5);
    real += 1_000;
    expect(b.now()).toBe(a.now());
    expect(b.now()).toBe(15_000);
    expect(() => new AcceleratedClock(new Float64Array(3))).toThrow(RangeError);
  });
});

describe('EventQueue', () => {
  it('runs what is due in time order (ties in insertion order), including events added by due events', () => {
    const q = new EventQueue();
    const ran: string[] = [];
    q.at(30, () => ran.push('c'));
    q.at(10, () => {
      ran.push('a');
      q.at(15, () => ran.push('a2'));
    });
    q.at(10, () => ran.push('b'));
    q.at(99, () => ran.push('late'));
    expect(q.runDue(40)).toBe(4);
    expect(ran).toEqual(['a', 'b', 'a2', 'c']);
    expect(q.size).toBe(1);
    expect(() => q.at(Number.NaN, () => undefined)).toThrow(RangeError);
  });
});

describe('planTenants', () => {
  it('makes teams of 20 to 40 that cover every person, the same for the same seed', () => {
    const plans = planTenants({ tenants: 3, activeUsers: 200, seed: 7 });
    expect(plans).toEqual(planTenants({ tenants: 3, activeUsers: 200, seed: 7 }));
    for (const plan of plans) {
      expect(plan.users).toHaveLength(220);
      const covered = new Set(plan.teams.flatMap((t) => t.members));
      expect(covered.size).toBe(220);
      for (const team of plan.teams) {
        expect(team.members.length).toBeGreaterThanOrEqual(MIN_TEAM);
        expect(team.members.length).toBeLessThanOrEqual(MAX_TEAM);
        expect(new Set(team.members).size).toBe(team.members.length);
      }
      for (const id of [plan.tenantId, ...plan.users.map((u) => u.id)]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(plans.map((p) => p.tenantId)).size).toBe(3);
    expect(() => planTenants({ tenants: 0, activeUsers: 10, seed: 1 })).toThrow(RangeError);
  });

  it('team sizes add up to the people, one team for a small tenant', () => {
    const random = seededRandom(3);
    for (const people of [22, 39, 40, 41, 59, 220, 1100]) {
      const sizes = teamSizes(random, people);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(people);
      if (people >= 40) for (const s of sizes) expect(s).toBeGreaterThanOrEqual(MIN_TEAM);
    }
    expect(teamSizes(random, 22)).toEqual([22]);
  });
});

describe('StalenessTracker', () => {
  it('measures from the change to the product showing it, for the audience at the time of the change', () => {
    const t = new StalenessTracker();
    t.shown('p', 'Available', 0);
    t.changed('p', 'Busy', 1_000, 'visible');
    t.shown('p', 'Busy', 1_400);
    t.changed('q', 'Away', 2_000, 'member');
    t.shown('q', 'Away', 9_000);
    t.changed('r', 'Away', 2_000, 'unwatched');
    t.shown('r', 'Away', 3_000);
    const visible = t.summary(10_000, ['visible']);
    expect(visible).toMatchObject({ count: 1, resolved: 1, unresolved: 0, max: 0.4 });
    expect(t.summary(10_000, ['visible', 'member'])).toMatchObject({ count: 2, max: 7 });
  });

  it('a later value shown ends earlier changes too; pending changes count at their age at the end', () => {
    const t = new StalenessTracker();
    t.changed('p', 'Busy', 0, 'visible');
    t.changed('p', 'Away', 5_000, 'visible');
    t.shown('p', 'Away', 6_000);
    t.changed('p', 'DoNotDisturb', 10_000, 'visible');
    const s = t.summary(50_000, ['visible']);
    expect(s).toMatchObject({ count: 3, resolved: 2, unresolved: 1, unresolvedOver30s: 1, max: 40 });
    expect(s.p50).toBe(6);
  });

  it('a change to what is already shown counts zero, or until it was shown when its news comes late', () => {
    const t = new StalenessTracker();
    t.shown('p', 'Busy', 1_000);
    t.changed('p', 'Busy', 4_000, 'visible');
    t.shown('q', 'Away', 8_000);
    t.changed('q', 'Away', 7_500, 'member');
    expect(t.summary(9_000, ['visible'])).toMatchObject({ count: 1, max: 0 });
    expect(t.summary(9_000, ['member'])).toMatchObject({ count: 1, max: 0.5 });
  });

  it('a person no open office shows any more owes nothing', () => {
    const t = new StalenessTracker();
    t.changed('p', 'Busy', 0, 'member');
    t.unwatched('p');
    expect(t.summary(100_000, ['member']).count).toBe(0);
    expect(t.droppedCount()).toBe(1);
  });
});

describe('graph-bench options and smoke checks', () => {
  it('reads the options, fills the smoke size, refuses nonsense', () => {
    expect(parseGraphBenchArgs(['--tenants', '50', '--users', '200', '--minutes', '5', '--speed', '12', '--json', 'x.json'])).toMatchObject({ tenants: 50, users: 200, minutes: 5, speed: 12, json: 'x.json', smoke: false });
    expect(parseGraphBenchArgs(['--smoke'])).toMatchObject({ tenants: 3, users: 20, minutes: 1, smoke: true });
    expect(parseGraphBenchArgs(['--smoke', '--tenants', '2'])).toMatchObject({ tenants: 2, users: 20 });
  });

  it('the smoke fails on early retries and on a result without the figures', () => {
    const good = {
      options: { tenants: 1 },
      seededUsersPerTenant: 2,
      achievedSpeed: 6,
      figures: { throttled429: 0, earlyRetries: 0, presenceStalenessP95Seconds: 1, meetingsCreatedPerConversation: 1, peakActivityNotificationsPerSecondPerTenant: 2 },
      graph: { requestsDuringSimulation: 10 },
      meetings: { conversations: 1 },
      presence: { staleness: { inOpenOffices: { count: 3 } } },
      activity: { enqueued: { queued: 2, self: 1 }, injectedSelf: 1, fakeSent: 2 },
      people: { signIns: 2 },
    } as unknown as GraphBenchResult;
    expect(smokeProblems(good)).toEqual([]);
    expect(smokeProblems({ ...good, figures: { ...good.figures, earlyRetries: 2 } }).join()).toMatch(/2 early retries/);
    expect(smokeProblems({ ...good, figures: { ...good.figures, presenceStalenessP95Seconds: Number.NaN } }).join()).toMatch(/presenceStalenessP95Seconds/);
    expect(smokeProblems({ ...good, activity: { ...good.activity, enqueued: { queued: 2, self: 0 } } } as GraphBenchResult).join()).toMatch(/self-nudges/);
  });
});
