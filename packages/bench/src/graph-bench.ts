/**
 * `npm run bench:graph`: Teams mode's Microsoft Graph traffic for many tenants at accelerated time, against the
 * repo's fake Microsoft (packages/fake-microsoft) over TLS, through the product's own code: one GraphGateway (the
 * limit governor) behind GraphAdapter, SSO sign-in with real on-behalf-of exchanges (TeamsService + GraphTokenBroker,
 * sealed token caches in an in-memory SQLite store), TeamsMode (whom to watch, presence writes during calls, a Teams
 * meeting per conversation), PresenceBridge (subscriptions, notifications through an HTTPS webhook, polling fallback)
 * feeding PresenceService, and ActivityQueue for nudges. Only the people are simulated: they enter and leave offices,
 * talk in conversations, change their own Teams presence and nudge colleagues. See README.md for the figures.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureDevCertificateAuthority, issueServerCertificate, type FakeReport, type TenantSeed } from '@metaoffice/fake-microsoft';
import { GraphGateway, type GraphObserver } from '@metaoffice/graph';
import type { Activity, Availability, ConversationState } from '@metaoffice/protocol';
import {
  ActivityQueue,
  AuthService,
  GraphAdapter,
  GraphTokenBroker,
  PresenceBridge,
  PresenceService,
  ChannelSeal,
  SecretBox,
  TeamsMode,
  TeamsService,
  TeamsSsoValidator,
  fromGraphAvailability,
  openStore,
  type ActivityNotice,
  type ActivityOutcome,
  type PresenceBridgeEvent,
  type PresenceUser,
  type Store,
} from '@metaoffice/server';
import { AcceleratedClock } from './graph-bench-clock.js';
import { EventQueue } from './graph-bench-events.js';
import { FakeInWorker, type PresenceTruth } from './graph-bench-fake.js';
import { pick, planTenants, randomInt, seededRandom, shuffled, type PlannedTeam, type Random, type TenantPlan } from './graph-bench-plan.js';
import { StalenessTracker, type Audience, type StalenessSummary } from './graph-bench-staleness.js';
import { percentile } from './measure.js';

const CLIENT_ID = '7d3c1b2a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const CLIENT_SECRET = 'graph-bench-secret';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CA_DIR = join(ROOT, '.local/dev-ca');
const GRAPH_SCOPES = ['User.Read', 'User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite', 'OnlineMeetings.ReadWrite', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'];
const STALENESS_TARGET_S = 30;

export interface GraphBenchOptions {
  tenants: number;
  /** People in offices at any time, per tenant (a tenth more are seeded, out of the office). */
  users: number;
  /** Simulated minutes. */
  minutes: number;
  /** Simulated seconds per real second. */
  speed: number;
  seed: number;
  /** Mean simulated minutes between a person's own Teams presence changes. */
  presenceEveryMin: number;
  /** Mean simulated seconds between new conversations in an open office. */
  conversationEverySec: number;
  /** Mean simulated seconds between "wants to talk" nudges, per tenant. */
  nudgeEverySec: number;
  /** Mean simulated minutes a person stays in the office before leaving (someone else comes in). */
  stayMin: number;
  /** Graph's pre-2024 presence notifications carrying availability (no read per notification). */
  plainResourceData: boolean;
  /**
   * The fake's presence and activity-feed limits times this. Below 1 the fake throttles what the governor (which budgets by the documented
   * figures) lets through: real 429s, to check that every Retry-After is honoured (early retries stay 0).
   */
  fakeLimitScale: number;
  /** Sign-ins running at once while setting up. */
  signInConcurrency: number;
  smoke: boolean;
  json: string | undefined;
}

export const DEFAULTS: GraphBenchOptions = {
  tenants: 50,
  users: 200,
  minutes: 5,
  // 12x saturates this 2-core machine at 50 x 200 (the harness, not the product, would set the pace); at 2x the
  // product's thread is about 80% busy, with stalls; 1.5x leaves headroom. `productThreadBusy`, `fakeThreadBusy` and
  // `saturated` in the result say how a run went.
  speed: 1.5,
  seed: 42,
  presenceEveryMin: 4,
  conversationEverySec: 90,
  nudgeEverySec: 10,
  stayMin: 20,
  plainResourceData: false,
  fakeLimitScale: 1,
  signInConcurrency: 8,
  smoke: false,
  json: undefined,
};

// Conversations come sooner than in the full run, so that a one-minute smoke surely has some.
const SMOKE: Partial<GraphBenchOptions> = { tenants: 3, users: 20, minutes: 1, speed: 6, conversationEverySec: 20 };

export function parseGraphBenchArgs(argv: readonly string[]): GraphBenchOptions {
  const o: GraphBenchOptions = { ...DEFAULTS };
  const given = new Set<string>();
  const numeric: Record<string, keyof GraphBenchOptions> = {
    '--tenants': 'tenants',
    '--users': 'users',
    '--minutes': 'minutes',
    '--speed': 'speed',
    '--seed': 'seed',
    '--presence-every': 'presenceEveryMin',
    '--conversation-every': 'conversationEverySec',
    '--nudge-every': 'nudgeEverySec',
    '--stay': 'stayMin',
    '--sign-in-concurrency': 'signInConcurrency',
    '--fake-limit-scale': 'fakeLimitScale',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--smoke') o.smoke = true;
    else if (arg === '--plain-resource-data') o.plainResourceData = true;
    else if (arg === '--json') o.json = argv[++i] ?? usage('--json needs a file');
    else if (arg in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0) usage(`${arg} needs a positive number`);
      (o as unknown as Record<string, number>)[numeric[arg]!] = value;
      given.add(numeric[arg]!);
    } else usage(`unknown option ${arg}`);
  }
  if (o.smoke) for (const [k, v] of Object.entries(SMOKE)) if (!given.has(k)) (o as unknown as Record<string, unknown>)[k] = v;
  for (const k of ['tenants', 'users', 'signInConcurrency'] as const) if (!Number.isInteger(o[k])) usage(`--${k} must be an integer`);
  if (o.users < 2) usage('--users must be at least 2');
  return o;
}

function usage(problem: string): never {
  console.error(`graph-bench: ${problem}
usage: node packages/bench/dist/graph-bench.js [--tenants 50] [--users 200] [--minutes 5] [--speed 12] [--seed 42]
       [--presence-every MIN] [--conversation-every SEC] [--nudge-every SEC] [--stay MIN] [--plain-resource-data]
       [--fake-limit-scale 1] [--sign-in-concurrency 8] [--smoke] [--json FILE]`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// The simulated world.

interface Person {
  tenant: TenantState;
  oid: string;
  name: string;
  /** MetaOffice user id (after sign-in). */
  userId: string;
  user: PresenceUser;
  avatarId: number;
  teams: TeamState[];
  /** The office the person is in, or undefined. */
  office: TeamState | undefined;
  conversation: Conversation | undefined;
  /** The person's own Teams presence (their Teams clients). */
  own: { availability: string; activity: string };
  /** Microsoft's aggregated availability, in the product's vocabulary, and since when. */
  truth: string;
  truthAt: number;
}

interface TeamState {
  plan: PlannedTeam;
  tenant: TenantState;
  officeId: string;
  members: Person[];
  inside: Set<Person>;
}

interface TenantState {
  plan: TenantPlan;
  people: Person[];
  byOid: Map<string, Person>;
  teams: TeamState[];
  /** Recent "wants to talk" pairs, to send duplicates on purpose. */
  recentNudges: { from: Person; to: Person }[];
}

interface Conversation {
  id: string;
  office: TeamState;
  members: Set<Person>;
  ended: boolean;
}

const OWN_STATES = [
  { availability: 'Available', activity: 'Available' },
  { availability: 'Away', activity: 'Away' },
  { availability: 'BeRightBack', activity: 'BeRightBack' },
  { availability: 'Busy', activity: 'InAMeeting' },
  { availability: 'DoNotDisturb', activity: 'Presenting' },
];
/** How often each own state is picked: mostly Available. */
const OWN_WEIGHTS = [0.5, 0.2, 0.05, 0.18, 0.07];

function ownState(random: Random, not?: string): { availability: string; activity: string } {
  for (;;) {
    let r = random();
    let i = 0;
    while (i < OWN_WEIGHTS.length - 1 && r >= OWN_WEIGHTS[i]!) r -= OWN_WEIGHTS[i++]!;
    const s = OWN_STATES[i]!;
    if (s.availability !== not) return s;
  }
}

function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

// ---------------------------------------------------------------------------------------------------------------
// Counters.

interface GraphCounters {
  attemptsByFamily: Record<string, number>;
  attemptsByStatus: Record<string, number>;
  throttledByFamily: Record<string, number>;
  retries: number;
  shedByFamily: Record<string, number>;
  breakerOpens: number;
  waitMsSamples: number[];
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

function counterObserver(c: GraphCounters): GraphObserver {
  return {
    onRequest: (e) => {
      bump(c.attemptsByFamily, e.family);
      bump(c.attemptsByStatus, String(e.status));
    },
    onThrottled: (e) => bump(c.throttledByFamily, `${e.family} ${e.status}`),
    onRetry: () => void (c.retries += 1),
    onShed: (e) => bump(c.shedByFamily, `${e.family} ${e.priority}`),
    onAdmitted: (e) => {
      if (c.waitMsSamples.length < 200_000) c.waitMsSamples.push(e.waitMs);
    },
    onBreakerStateChange: (e) => {
      if (e.state === 'open') c.breakerOpens += 1;
    },
  };
}

/** PresenceService as the product builds it, telling the benchmark what Microsoft 365 presence it now shows. */
class MeasuredPresenceService extends PresenceService {
  constructor(
    now: () => number,
    private readonly onMicrosoft: (userId: string, availability: Availability) => void,
  ) {
    super({ idleAwayMs: 24 * 3_600_000, now }, { publish: () => undefined, apply: () => undefined });
  }

  override fromMicrosoft(user: PresenceUser, availability: Availability, activity: Activity): void {
    super.fromMicrosoft(user, availability, activity);
    this.onMicrosoft(user.id, availability);
  }
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The product's HTTPS webhook routes (packages/server/src/http/teams-routes.ts), on a server of their own. */
async function startWebhook(ca: { certPath: string; keyPath: string }, onNotification: (body: unknown) => void, onLifecycle: (body: unknown) => void): Promise<{ url: string; server: Server }> {
  const certificate = await issueServerCertificate(ca);
  const server = createServer({ cert: certificate.cert, key: certificate.key, keepAlive: true }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://webhook.invalid');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const token = url.searchParams.get('validationToken');
      if (request.method !== 'POST' || !url.pathname.startsWith('/api/teams/notifications')) return void response.writeHead(404).end();
      if (token !== null) return void response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(token);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      if (url.pathname === '/api/teams/notifications/lifecycle') onLifecycle(body);
      else onNotification(body);
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export interface GraphBenchResult {
  benchmark: 'graph';
  options: Omit<GraphBenchOptions, 'json' | 'smoke'> & { smoke: boolean };
  tokens: string;
  seededUsersPerTenant: number;
  wallSeconds: { setup: number; simulation: number; total: number };
  achievedSpeed: number;
  simulatedSeconds: number;
  /** The harness could not keep up (a thread busier than 90%, or event-loop delay p99 over 1 simulated second): the figures then include its lag. */
  saturated: boolean;
  figures: {
    throttled429: number;
    earlyRetries: number;
    presenceStalenessP95Seconds: number;
    meetingsCreatedPerConversation: number;
    peakActivityNotificationsPerSecondPerTenant: number;
  };
  targets: { presenceStalenessP95Seconds: { target: number; met: boolean }; earlyRetries: { target: number; met: boolean } };
  graph: {
    requestsDuringSimulation: number;
    requestsTotal: number;
    requestsByEndpoint: Record<string, number>;
    requestsByStatus: Record<string, number>;
    throttledByLimit: FakeReport['throttled']['byLimit'];
    earlyRetriesByLimit: FakeReport['earlyRetries']['byLimit'];
    governor: { attemptsByFamily: Record<string, number>; attemptsByStatus: Record<string, number>; throttledByFamily: Record<string, number>; retries: number; shedByFamily: Record<string, number>; shed: number; breakerOpens: number; admissionWaitMs: { p50: number; p95: number; p99: number; max: number } };
  };
  presence: {
    staleness: {
      inOpenOffices: StalenessSummary;
      visibleInOffice: StalenessSummary;
      membersNotInOffice: StalenessSummary;
      droppedWhenOfficeClosed: number;
      /** Changes never shown: no change notification about the person arrived after it, or one did and was not applied. */
      unresolvedWhy: { notNotified: number; notifiedNotShown: number };
      /** The slowest changes shown: when (simulated s from the start), how stale, and how long the person had been in an office or their office open. */
      slowest: { atSecond: number; staleSeconds: number; audience: 'visible' | 'member'; notifiedAfterSeconds: number | null }[];
    };
    snapshots: { checks: number; wrong: number; wrongOver30s: number; wrongOver30sRatio: number; maxWrongAgeSeconds: number };
    notifications: { delivered: number; failed: number };
    subscriptions: FakeReport['subscriptions'];
    bridge: Partial<Record<PresenceBridgeEvent, number>>;
    changesAtMicrosoft: number;
  };
  meetings: { conversations: number; conversationJoins: number; created: number; returned: number; createOrGetCalls: number; createdPerConversation: number; createOrGetCallsPerConversation: number; conversationsWithALink: number; distinctLinksPerConversationMax: number; setPresenceCalls: number; clearPresenceCalls: number };
  activity: { enqueued: Record<ActivityOutcome, number>; injectedSelf: number; injectedDuplicates: number; sent: number; failed: number; fakeSent: number; fakeRejected: number; peakPerSecondPerTenant: number; pendingAtEnd: number };
  people: { activeAtEnd: number; joins: number; leaves: number; signIns: number };
  process: {
    /** Both threads (the product's and the fake's). */
    cpuPercentOfOneCore: number;
    /** Share of real time each thread's event loop was busy: near 1 means the harness, not the product, sets the pace. */
    productThreadBusy: number;
    fakeThreadBusy: number;
    eventLoopDelayMs: { p50: number; p99: number; max: number };
    rssMb: number;
  };
  warnings: Record<string, number>;
}

export async function runGraphBench(o: GraphBenchOptions): Promise<GraphBenchResult> {
  const wallStart = performance.now();
  const random = seededRandom(o.seed);
  const clock = new AcceleratedClock();
  const simNow = (): number => clock.now();
  const ca = await ensureDevCertificateAuthority(CA_DIR);
  const plans = planTenants({ tenants: o.tenants, activeUsers: o.users, seed: o.seed });

  // The people, as the world model knows them; the product learns of them through sign-in.
  const tenants: TenantState[] = [];
  const personByOid = new Map<string, Person>();
  const personByUserId = new Map<string, Person>();
  const seeds: TenantSeed[] = [];
  for (const plan of plans) {
    seeds.push({
      id: plan.tenantId,
      displayName: plan.displayName,
      domain: plan.domain,
      users: plan.users.map((u) => ({ id: u.id, displayName: u.displayName })),
      teams: plan.teams.map((t) => ({ id: t.id, displayName: t.displayName, members: t.members, owners: [t.members[0]!] })),
      adminConsent: { clientId: CLIENT_ID, scopes: GRAPH_SCOPES },
    });
    const tenant: TenantState = { plan, people: [], byOid: new Map(), teams: [], recentNudges: [] };
    for (const [i, u] of plan.users.entries()) {
      const person: Person = { tenant, oid: u.id, name: u.displayName, userId: '', user: { id: '', orgId: '', name: u.displayName }, avatarId: i + 1, teams: [], office: undefined, conversation: undefined, own: { availability: 'Offline', activity: 'Offline' }, truth: 'Offline', truthAt: 0 };
      tenant.people.push(person);
      tenant.byOid.set(u.id, person);
      personByOid.set(u.id, person);
    }
    for (const t of plan.teams) {
      const team: TeamState = { plan: t, tenant, officeId: '', members: t.members.map((id) => tenant.byOid.get(id)!), inside: new Set() };
      for (const m of team.members) m.teams.push(team);
      tenant.teams.push(team);
    }
    tenants.push(tenant);
  }

  // Measurement: Microsoft's truth (every aggregated change the fake makes, whatever caused it) against what the
  // product's PresenceService shows.
  const tracker = new StalenessTracker();
  let changesAtMicrosoft = 0;
  const isWatched = (p: Person): boolean => p.teams.some((t) => t.inside.size > 0);
  const audienceOf = (p: Person): Audience => (p.office ? 'visible' : isWatched(p) ? 'member' : 'unwatched');
  // Measurement ends with the simulation: what happens while everything shuts down does not count.
  let measuring = true;
  const onTruth = (change: PresenceTruth): void => {
    if (!measuring) return;
    const person = personByOid.get(change.userId);
    const value = fromGraphAvailability(change.availability);
    if (!person || value === person.truth) return;
    person.truth = value;
    person.truthAt = change.at;
    changesAtMicrosoft++;
    if (person.userId) tracker.changed(person.userId, value, change.at, audienceOf(person));
  };
  const fake = await FakeInWorker.start({ clockState: clock.state, caDir: CA_DIR, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, plainPresenceResourceData: o.plainResourceData, limitScale: o.fakeLimitScale, tenants: seeds }, onTruth);

  // The product's parts, wired as packages/server/src/teams/index.ts wires them, on the accelerated clock.
  const warnings: Record<string, number> = {};
  // Warnings the product logs, counted by message and the error's kind (its own code, or the network's).
  const log = { warn: (obj: object, msg: string) => bump(warnings, `${msg}${describeError((obj as { err?: unknown }).err)}`) };
  const counters: GraphCounters = { attemptsByFamily: {}, attemptsByStatus: {}, throttledByFamily: {}, retries: 0, shedByFamily: {}, breakerOpens: 0, waitMsSamples: [] };
  const bridgeEvents: Partial<Record<PresenceBridgeEvent, number>> = {};
  let bridge!: PresenceBridge;
  // When change notifications about each person arrived (simulated ms), to tell why a change was shown late or not.
  const notifiedAt = new Map<string, number[]>();
  const firstNotifiedAfter = (oid: string, at: number): number | undefined => notifiedAt.get(oid)?.find((t) => t >= at);
  const webhook = await startWebhook(
    ca,
    (body) => {
      const now = simNow();
      for (const n of ((body as { value?: { resourceData?: { id?: unknown } }[] })?.value ?? [])) {
        if (typeof n.resourceData?.id !== 'string') continue;
        const times = notifiedAt.get(n.resourceData.id) ?? [];
        times.push(now);
        notifiedAt.set(n.resourceData.id, times);
      }
      bridge.notify(body);
    },
    (body) => bridge.lifecycle(body),
  );
  const publicUrl = webhook.url;
  const store: Store = await openStore({ sqlitePath: ':memory:', clock: simNow });
  await store.migrate();
  const gateway = new GraphGateway({ baseUrl: fake.graphBaseUrl, clock, sleep: clock.sleep, observer: counterObserver(counters) });
  const adapter = new GraphAdapter(gateway);
  const box = new SecretBox(randomBytes(32));
  const tokens = new GraphTokenBroker({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: fake.authorityHost, graphBaseUrl: fake.graphBaseUrl, store, box });
  const auth = new AuthService(store, { sessionTtlMs: 24 * 3_600_000, publicUrl, now: simNow });
  const sso = new TeamsSsoValidator({ authorityHost: fake.authorityHost, clientId: CLIENT_ID, publicUrl });
  const service = new TeamsService({ store, auth, sso, tokens, graph: adapter, publicUrl, channels: new ChannelSeal(box), now: simNow });
  const presence = new MeasuredPresenceService(simNow, (userId, availability) => {
    if (measuring) tracker.shown(userId, availability, simNow());
  });
  let mode!: TeamsMode;
  bridge = new PresenceBridge({ graph: adapter, presence, publicUrl, callerFor: (tenantId, priority) => mode.callerFor(tenantId, priority), now: simNow, log, count: (event) => bump(bridgeEvents, event) });
  const meetingLinks = new Map<string, Set<string>>();
  mode = new TeamsMode({
    store,
    graph: adapter,
    tokens,
    teams: service,
    presence,
    bridge,
    clientId: CLIENT_ID,
    publicUrl,
    sendTo: (_userId, message) => {
      const m = message as { t?: string; conversationId?: string; joinWebUrl?: string };
      if (m.t !== 'meeting' || !m.conversationId || !m.joinWebUrl) return;
      const links = meetingLinks.get(m.conversationId) ?? new Set<string>();
      links.add(m.joinWebUrl);
      meetingLinks.set(m.conversationId, links);
    },
    log,
    now: simNow,
  });
  let activitySent = 0;
  let activityFailed = 0;
  const activity = new ActivityQueue({ graph: adapter, now: simNow, onSent: () => void activitySent++, onFailed: (_t, err) => {
    activityFailed++;
    bump(warnings, `activity notice failed: ${(err as Error).name}`);
  } });

  // Set-up at real speed: everyone's own presence, then everyone signs in through the tab (SSO -> on-behalf-of ->
  // GET /me), and the first member of each team configures its channel tab (an office).
  for (const tenant of tenants) {
    for (const p of tenant.people) {
      p.own = ownState(random);
      fake.setUserPresence(tenant.plan.tenantId, p.oid, p.own.availability, p.own.activity);
    }
  }
  const audience = `api://${new URL(publicUrl).host}/${CLIENT_ID}`;
  const everyone = tenants.flatMap((t) => t.people);
  let signIns = 0;
  await inPool(everyone, o.signInConcurrency, async (p) => {
    const sso = await fake.mintSsoToken(p.tenant.plan.tenantId, p.oid, audience);
    const signedIn = await service.signIn(sso, undefined);
    p.userId = signedIn.me.user.id;
    p.user = { id: signedIn.me.user.id, orgId: signedIn.me.organisation.id, name: signedIn.me.user.name };
    personByUserId.set(p.userId, p);
    signIns++;
  });
  await inPool(tenants.flatMap((t) => t.teams), o.signInConcurrency, async (team) => {
    const owner = (await store.users.byId(team.members[0]!.userId))!;
    const office = await service.saveTab(owner, { teamId: team.plan.id, channelId: `19:${team.plan.id.replace(/-/g, '')}@thread.tacv2`, entityId: `office-${team.plan.id}`, name: team.plan.displayName, description: 'Benchmark office' });
    team.officeId = office.id;
  });
  const setupWall = (performance.now() - wallStart) / 1000;
  const reportAtStart = await fake.report();

  // The simulation, at `speed`.
  clock.accelerate(o.speed);
  const simStart = simNow();
  const simEnd = simStart + o.minutes * 60_000;
  const events = new EventQueue();
  const cpuStart = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const simWallStart = performance.now();
  const mainBusyStart = performance.eventLoopUtilization();
  await fake.busy(true);

  let conversations = 0;
  let conversationJoins = 0;
  let joins = 0;
  let leaves = 0;
  let convSeq = 0;
  let injectedSelf = 0;
  let injectedDuplicates = 0;
  const enqueued: Record<ActivityOutcome, number> = { queued: 0, duplicate: 0, self: 0, queue_full: 0 };
  const snapshots = { checks: 0, wrong: 0, wrongOver30s: 0, maxWrongAgeMs: 0 };

  const stateOf = (c: Conversation): ConversationState => ({ id: c.id, kind: 'walkup', members: [...c.members].map((m) => ({ userId: m.userId, name: m.name, avatarId: m.avatarId })), locked: false });
  // As the office engine reports a membership change (office-engine.ts: every touched member hears of it) and the
  // server passes it on (http/app.ts: presence.inCall, then TeamsMode.onCallChange and onConversation).
  const tell = (c: Conversation, touched: Iterable<Person>): void => {
    const state = c.ended || c.members.size < 2 ? null : stateOf(c);
    for (const m of touched) {
      const inCall = state !== null && c.members.has(m);
      presence.inCall(m.userId, inCall);
      mode.onCallChange(m.userId, inCall);
      mode.onConversation(c.office.officeId, m.userId, inCall ? state : null);
    }
  };
  const joinConversation = (c: Conversation, p: Person): void => {
    if (c.ended || p.conversation || p.office !== c.office) return;
    c.members.add(p);
    p.conversation = c;
    conversationJoins++;
    if (c.members.size >= 2) tell(c, c.members);
  };
  const leaveConversation = (p: Person): void => {
    const c = p.conversation;
    if (!c) return;
    c.members.delete(p);
    p.conversation = undefined;
    if (c.members.size < 2) {
      // Fewer than two people is no conversation: it ends for whoever is left.
      c.ended = true;
      for (const m of c.members) m.conversation = undefined;
      tell(c, [p, ...c.members]);
      c.members.clear();
    } else tell(c, [p, ...c.members]);
  };
  const endConversation = (c: Conversation): void => {
    if (c.ended) return;
    c.ended = true;
    const last = [...c.members];
    for (const m of last) m.conversation = undefined;
    c.members.clear();
    tell(c, last);
  };
  const free = (team: TeamState): Person[] => [...team.inside].filter((p) => !p.conversation);

  const enter = (p: Person, at: number): void => {
    if (p.office) return;
    const team = pick(random, p.teams);
    team.inside.add(p);
    p.office = team;
    presence.connected(p.user, team.officeId);
    joins++;
    events.at(at + exponential(random, o.stayMin * 60_000), () => leave(p, simNow()));
  };
  const leave = (p: Person, at: number): void => {
    const team = p.office;
    if (!team) return;
    leaveConversation(p);
    team.inside.delete(p);
    p.office = undefined;
    presence.disconnected(p.userId, team.officeId);
    leaves++;
    if (team.inside.size === 0) for (const m of team.members) if (!isWatched(m)) tracker.unwatched(m.userId);
    // Someone else from the tenant comes in a little later, so the tenant keeps its number of people inside.
    const outside = p.tenant.people.filter((x) => !x.office && x !== p);
    if (outside.length > 0) {
      const next = pick(random, outside);
      events.at(at + randomInt(random, 5_000, 30_000), () => enter(next, simNow()));
    }
  };
  const changeOwnPresence = (p: Person): void => {
    p.own = ownState(random, p.own.availability);
    fake.setUserPresence(p.tenant.plan.tenantId, p.oid, p.own.availability, p.own.activity);
    events.at(simNow() + exponential(random, o.presenceEveryMin * 60_000), () => changeOwnPresence(p));
  };
  const startConversation = (team: TeamState): void => {
    const now = simNow();
    events.at(now + exponential(random, o.conversationEverySec * 1000), () => startConversation(team));
    const available = shuffled(random, free(team));
    if (available.length < 2) return;
    const c: Conversation = { id: `bench-${team.tenant.plan.index}-${++convSeq}`, office: team, members: new Set(), ended: false };
    conversations++;
    joinConversation(c, available[0]!);
    joinConversation(c, available[1]!);
    // Up to four more walk up over the next minute (2 to 6 people in all).
    const more = randomInt(random, 0, 4);
    for (let i = 0; i < more; i++) {
      events.at(now + randomInt(random, 5_000, 60_000), () => {
        const candidate = free(team)[0];
        if (candidate) joinConversation(c, candidate);
      });
    }
    events.at(now + randomInt(random, 60_000, 600_000), () => endConversation(c));
  };
  const notice = (from: Person, to: Person, team: TeamState, kind: ActivityNotice['activityType']): ActivityNotice => ({
    recipientUserId: to.oid,
    teamId: team.plan.id,
    activityType: kind,
    previewText: kind === 'wantsToTalk' ? `${from.name} wants to talk` : `${from.name} invited you to ${team.plan.displayName}`,
    webUrl: `${publicUrl}/office/${team.officeId}`,
    templateParameters: [{ name: 'name', value: from.name }],
  });
  const enqueue = (from: Person, to: Person, team: TeamState, kind: ActivityNotice['activityType']): void => {
    const outcome = activity.enqueue({
      tenantId: from.tenant.plan.tenantId,
      senderUserId: from.userId,
      recipientUserId: to.userId,
      notice: notice(from, to, team, kind),
      caller: { tenantId: from.tenant.plan.tenantId, priority: 'normal', token: async () => (await tokens.forUser(from.userId, from.tenant.plan.tenantId)).accessToken },
    });
    enqueued[outcome]++;
  };
  const nudge = (tenant: TenantState): void => {
    events.at(simNow() + exponential(random, o.nudgeEverySec * 1000), () => nudge(tenant));
    const inside = tenant.people.filter((p) => p.office);
    if (inside.length === 0) return;
    const r = random();
    if (r < 0.05) {
      const self = pick(random, inside);
      injectedSelf++;
      enqueue(self, self, self.office!, 'wantsToTalk');
      return;
    }
    if (r < 0.2 && tenant.recentNudges.length > 0) {
      const again = pick(random, tenant.recentNudges);
      if (again.from.office) {
        injectedDuplicates++;
        enqueue(again.from, again.to, again.from.office, 'wantsToTalk');
        return;
      }
    }
    const from = pick(random, inside);
    const offline = from.office!.members.filter((m) => !m.office);
    if (offline.length === 0) return;
    const to = pick(random, offline);
    tenant.recentNudges.push({ from, to });
    if (tenant.recentNudges.length > 50) tenant.recentNudges.shift();
    enqueue(from, to, from.office!, 'wantsToTalk');
  };
  const inviteBurst = (tenant: TenantState): void => {
    events.at(simNow() + exponential(random, 120_000), () => inviteBurst(tenant));
    const inside = tenant.people.filter((p) => p.office);
    if (inside.length === 0) return;
    const from = pick(random, inside);
    const team = from.office!;
    for (const to of shuffled(random, team.members.filter((m) => m !== from)).slice(0, randomInt(random, 6, 15))) enqueue(from, to, team, 'officeInvite');
  };
  const snapshot = (): void => {
    const now = simNow();
    for (const tenant of tenants) {
      for (const p of tenant.people) {
        if (!isWatched(p)) continue;
        snapshots.checks++;
        if (tracker.showing(p.userId) === p.truth) continue;
        snapshots.wrong++;
        const age = now - p.truthAt;
        if (age > 30_000) snapshots.wrongOver30s++;
        snapshots.maxWrongAgeMs = Math.max(snapshots.maxWrongAgeMs, age);
      }
    }
  };

  // The people's schedule: everyone due inside enters over the first 30 s.
  for (const tenant of tenants) {
    const order = shuffled(random, tenant.people);
    for (const p of order.slice(0, o.users)) events.at(simStart + random() * 30_000, () => enter(p, simNow()));
    for (const p of tenant.people) events.at(simStart + exponential(random, o.presenceEveryMin * 60_000), () => changeOwnPresence(p));
    // Each office's first conversation comes at its own pace once people are in (not all at once).
    for (const team of tenant.teams) events.at(simStart + 30_000 + exponential(random, o.conversationEverySec * 1000), () => startConversation(team));
    events.at(simStart + 30_000 + exponential(random, o.nudgeEverySec * 1000), () => nudge(tenant));
    events.at(simStart + 30_000 + random() * 60_000, () => inviteBurst(tenant));
  }
  for (let t = simStart + 35_000; t < simEnd; t += 5_000) events.at(t, snapshot);

  // The product's periodic upkeep, in simulated time (teams/index.ts runs the same on real timers). Each loop
  // waits for its previous round, as the bridge and the queue guard themselves against overlapping rounds.
  let running = true;
  const every = async (periodMs: number, work: () => Promise<unknown>): Promise<void> => {
    while (running) {
      const due = simNow() + periodMs;
      await work().catch((err: unknown) => bump(warnings, `upkeep failed: ${(err as Error).message}`));
      while (running && simNow() < due) await clock.sleep(Math.min(due - simNow(), 1_000));
    }
  };
  const loops = [
    every(2_000, () => mode.refresh()),
    every(10_000, () => bridge.run()),
    every(60_000, () => mode.renew()),
    every(100, () => activity.pump()),
  ];
  while (simNow() < simEnd) {
    events.runDue(Math.min(simNow(), simEnd));
    await new Promise((r) => setTimeout(r, 2));
  }
  const endAt = simNow();
  measuring = false;
  running = false;
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuStart);
  const simWall = (performance.now() - simWallStart) / 1000;
  const mainBusy = performance.eventLoopUtilization(mainBusyStart).utilization;
  const fakeBusy = await fake.busy();
  const report = await fake.report();
  await Promise.all(loops);
  const slowest = tracker.slowest(15).map((c) => {
    const p = personByUserId.get(c.person);
    const notified = p ? firstNotifiedAfter(p.oid, c.at) : undefined;
    return { atSecond: round((c.at - simStart) / 1000), staleSeconds: round(c.staleMs / 1000), audience: c.audience, notifiedAfterSeconds: notified === undefined ? null : round((notified - c.at) / 1000) };
  });
  const unresolved = { notNotified: 0, notifiedNotShown: 0 };
  for (const c of tracker.pendingChanges()) {
    const p = personByUserId.get(c.person);
    if (p && firstNotifiedAfter(p.oid, c.at) !== undefined) unresolved.notifiedNotShown++;
    else unresolved.notNotified++;
  }

  // Tidy up: subscriptions ended as the server does at shutdown, then everything closed.
  await bridge.stop().catch(() => undefined);
  await new Promise<void>((done) => {
    webhook.server.closeAllConnections();
    webhook.server.close(() => done());
  });
  await gateway.close();
  await fake.close();
  await store.close();

  const endpoint = (name: string): number => report.requests.byEndpoint[name] ?? 0;
  const createOrGetCalls = endpoint('POST /me/onlineMeetings/createOrGet');
  const waits = [...counters.waitMsSamples].sort((a, b) => a - b);
  const inOpenOffices = tracker.summary(endAt, ['visible', 'member']);
  const peak = Math.max(0, ...Object.values(report.activityNotifications.byTenant).map((t) => t.peakPerSecond));
  const fakeSent = Object.values(report.activityNotifications.byTenant).reduce((a, t) => a + t.sent, 0);
  const fakeRejected = Object.values(report.activityNotifications.byTenant).reduce((a, t) => a + t.rejected, 0);
  const linkCounts = [...meetingLinks.values()].map((s) => s.size);
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
  const simulatedSeconds = (endAt - simStart) / 1000;

  return {
    benchmark: 'graph',
    options: { ...withoutOutput(o), smoke: o.smoke },
    tokens: 'real on-behalf-of: each person signs in with a Teams SSO token minted by the fake (TeamsService.signIn -> GraphTokenBroker.exchange, MSAL cache sealed in SQLite); every later Graph call gets its token from GraphTokenBroker.forUser',
    seededUsersPerTenant: plans[0]?.users.length ?? 0,
    wallSeconds: { setup: round(setupWall), simulation: round(simWall), total: round((performance.now() - wallStart) / 1000) },
    achievedSpeed: round(simulatedSeconds / simWall),
    simulatedSeconds: round(simulatedSeconds),
    saturated: mainBusy > 0.9 || fakeBusy > 0.9 || (loopDelay.percentile(99) / 1e6) * o.speed > 1_000,
    figures: {
      throttled429: report.throttled.total,
      earlyRetries: report.earlyRetries.total,
      presenceStalenessP95Seconds: inOpenOffices.p95,
      meetingsCreatedPerConversation: ratio(report.meetings.created, conversations),
      peakActivityNotificationsPerSecondPerTenant: peak,
    },
    targets: {
      presenceStalenessP95Seconds: { target: STALENESS_TARGET_S, met: inOpenOffices.p95 <= STALENESS_TARGET_S },
      earlyRetries: { target: 0, met: report.earlyRetries.total === 0 },
    },
    graph: {
      requestsDuringSimulation: report.requests.total - reportAtStart.requests.total,
      requestsTotal: report.requests.total,
      requestsByEndpoint: report.requests.byEndpoint,
      requestsByStatus: report.requests.byStatus,
      throttledByLimit: report.throttled.byLimit,
      earlyRetriesByLimit: report.earlyRetries.byLimit,
      governor: {
        attemptsByFamily: counters.attemptsByFamily,
        attemptsByStatus: counters.attemptsByStatus,
        throttledByFamily: counters.throttledByFamily,
        retries: counters.retries,
        shedByFamily: counters.shedByFamily,
        shed: Object.values(counters.shedByFamily).reduce((a, b) => a + b, 0),
        breakerOpens: counters.breakerOpens,
        admissionWaitMs: { p50: percentile(waits, 50) || 0, p95: percentile(waits, 95) || 0, p99: percentile(waits, 99) || 0, max: waits.at(-1) ?? 0 },
      },
    },
    presence: {
      staleness: { inOpenOffices, visibleInOffice: tracker.summary(endAt, ['visible']), membersNotInOffice: tracker.summary(endAt, ['member']), droppedWhenOfficeClosed: tracker.droppedCount(), unresolvedWhy: unresolved, slowest },
      snapshots: { checks: snapshots.checks, wrong: snapshots.wrong, wrongOver30s: snapshots.wrongOver30s, wrongOver30sRatio: ratio(snapshots.wrongOver30s, snapshots.checks), maxWrongAgeSeconds: round(snapshots.maxWrongAgeMs / 1000) },
      notifications: { delivered: report.webhooks.notificationsDelivered, failed: report.webhooks.notificationsFailed },
      subscriptions: report.subscriptions,
      bridge: bridgeEvents,
      changesAtMicrosoft,
    },
    meetings: {
      conversations,
      conversationJoins,
      created: report.meetings.created,
      returned: report.meetings.returned,
      createOrGetCalls,
      createdPerConversation: ratio(report.meetings.created, conversations),
      createOrGetCallsPerConversation: ratio(createOrGetCalls, conversations),
      conversationsWithALink: meetingLinks.size,
      distinctLinksPerConversationMax: Math.max(0, ...linkCounts),
      setPresenceCalls: endpoint('POST /users/{id}/presence/setPresence') - (reportAtStart.requests.byEndpoint['POST /users/{id}/presence/setPresence'] ?? 0),
      clearPresenceCalls: endpoint('POST /users/{id}/presence/clearPresence') - (reportAtStart.requests.byEndpoint['POST /users/{id}/presence/clearPresence'] ?? 0),
    },
    activity: { enqueued, injectedSelf, injectedDuplicates, sent: activitySent, failed: activityFailed, fakeSent, fakeRejected, peakPerSecondPerTenant: peak, pendingAtEnd: activity.pending() },
    people: { activeAtEnd: tenants.reduce((a, t) => a + t.people.filter((p) => p.office).length, 0), joins, leaves, signIns },
    process: {
      cpuPercentOfOneCore: round(((cpu.user + cpu.system) / 1e6 / simWall) * 100),
      productThreadBusy: round(mainBusy),
      fakeThreadBusy: round(fakeBusy),
      eventLoopDelayMs: { p50: round(loopDelay.percentile(50) / 1e6), p99: round(loopDelay.percentile(99) / 1e6), max: round(loopDelay.max / 1e6) },
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    },
    warnings,
  };
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return '';
  let cause: unknown = (err as { cause?: unknown }).cause;
  const codes: string[] = [err.name];
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    codes.push((cause as { code?: string }).code ?? cause.name);
    cause = (cause as { cause?: unknown }).cause;
  }
  const reason = (err as { reason?: unknown }).reason;
  return ` (${[...codes, ...(typeof reason === 'string' ? [reason] : [])].join(' < ')})`;
}

function withoutOutput(o: GraphBenchOptions): Omit<GraphBenchOptions, 'json' | 'smoke'> {
  const { json: _json, smoke: _smoke, ...rest } = o;
  return rest;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** What the smoke insists on: a well-formed result, and no request sent before Graph's Retry-After ran out. */
export function smokeProblems(r: GraphBenchResult): string[] {
  const problems: string[] = [];
  const numbers: [string, unknown][] = [
    ['figures.throttled429', r.figures.throttled429],
    ['figures.earlyRetries', r.figures.earlyRetries],
    ['figures.presenceStalenessP95Seconds', r.figures.presenceStalenessP95Seconds],
    ['figures.meetingsCreatedPerConversation', r.figures.meetingsCreatedPerConversation],
    ['figures.peakActivityNotificationsPerSecondPerTenant', r.figures.peakActivityNotificationsPerSecondPerTenant],
    ['graph.requestsDuringSimulation', r.graph.requestsDuringSimulation],
    ['achievedSpeed', r.achievedSpeed],
  ];
  for (const [name, value] of numbers) if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`${name} is not a non-negative number: ${String(value)}`);
  if (r.figures.earlyRetries !== 0) problems.push(`the fake counted ${r.figures.earlyRetries} early retries (requests sent before Retry-After ran out)`);
  if (r.people.signIns !== r.options.tenants * r.seededUsersPerTenant) problems.push(`only ${r.people.signIns} of ${r.options.tenants * r.seededUsersPerTenant} people signed in`);
  if (r.graph.requestsDuringSimulation === 0) problems.push('no Graph request was made during the simulation');
  if (r.meetings.conversations === 0) problems.push('no conversation started');
  if (r.presence.staleness.inOpenOffices.count === 0) problems.push('no presence change was measured');
  if (r.activity.enqueued.self !== r.activity.injectedSelf) problems.push(`${r.activity.injectedSelf} self-nudges were made but ${r.activity.enqueued.self} were refused as such`);
  if (r.activity.fakeSent > r.activity.enqueued.queued) problems.push('the fake received more activity notifications than were queued');
  return problems;
}

function summaryText(r: GraphBenchResult): string {
  const s = r.presence.staleness;
  const line = (name: string, x: StalenessSummary): string => `${name}: n=${x.count} p50 ${x.p50} s, p95 ${x.p95} s, p99 ${x.p99} s, max ${x.max} s (unresolved ${x.unresolved}, of which >30 s ${x.unresolvedOver30s})`;
  return [
    `Graph benchmark: ${r.options.tenants} tenants x ${r.options.users} people in offices (${r.seededUsersPerTenant} seeded each), ${r.simulatedSeconds} simulated s at ${r.options.speed}x (achieved ${r.achievedSpeed}x)${r.options.plainResourceData ? ', notifications with resource data' : ''}${r.options.fakeLimitScale !== 1 ? `, the fake's limits x${r.options.fakeLimitScale}` : ''}`,
    ...(r.saturated ? ['WARNING: the harness was saturated; the staleness figures include its own lag (use a lower --speed)'] : []),
    `wall time: set-up ${r.wallSeconds.setup} s, simulation ${r.wallSeconds.simulation} s, total ${r.wallSeconds.total} s; CPU ${r.process.cpuPercentOfOneCore}% of one core (threads busy: product ${Math.round(r.process.productThreadBusy * 100)}%, fake ${Math.round(r.process.fakeThreadBusy * 100)}%); event-loop delay p99 ${r.process.eventLoopDelayMs.p99} ms, max ${r.process.eventLoopDelayMs.max} ms`,
    `429 responses: ${r.figures.throttled429}   early retries: ${r.figures.earlyRetries} (target 0: ${r.targets.earlyRetries.met ? 'met' : 'MISSED'})`,
    `presence staleness p95 (people in open offices): ${r.figures.presenceStalenessP95Seconds} s (target <= 30 s: ${r.targets.presenceStalenessP95Seconds.met ? 'met' : 'MISSED'})`,
    `  ${line('in open offices', s.inOpenOffices)}`,
    `  ${line('visible (in the office)', s.visibleInOffice)}`,
    `  ${line('members not in the office', s.membersNotInOffice)}`,
    `  never shown: ${s.unresolvedWhy.notNotified} without a change notification after the change, ${s.unresolvedWhy.notifiedNotShown} notified but not shown`,
    `  snapshots: ${r.presence.snapshots.wrong} of ${r.presence.snapshots.checks} showed a wrong colour, ${r.presence.snapshots.wrongOver30s} for over 30 s (max ${r.presence.snapshots.maxWrongAgeSeconds} s)`,
    `meetings: ${r.meetings.conversations} conversations, ${r.meetings.created} created (${r.figures.meetingsCreatedPerConversation} per conversation), ${r.meetings.createOrGetCalls} createOrGet calls (${r.meetings.createOrGetCallsPerConversation} per conversation)`,
    `activity feed: peak ${r.figures.peakActivityNotificationsPerSecondPerTenant}/s per tenant; sent ${r.activity.fakeSent}; queued ${r.activity.enqueued.queued}, duplicates dropped ${r.activity.enqueued.duplicate} (${r.activity.injectedDuplicates} made on purpose), self dropped ${r.activity.enqueued.self} of ${r.activity.injectedSelf}`,
    `Graph requests: ${r.graph.requestsDuringSimulation} during the simulation (${r.graph.requestsTotal} with set-up); shed ${r.graph.governor.shed}; retries ${r.graph.governor.retries}; breaker opens ${r.graph.governor.breakerOpens}`,
    `  by family (governor attempts): ${Object.entries(r.graph.governor.attemptsByFamily).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseGraphBenchArgs(process.argv.slice(2));
  const ca = await ensureDevCertificateAuthority(CA_DIR);
  if (process.env.NODE_EXTRA_CA_CERTS !== ca.certPath) {
    // Node reads extra CAs only when it starts: run again trusting the development CA that signs the fake's TLS.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath } });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }
  const result = await runGraphBench(options);
  console.log(summaryText(result));
  if (options.json) {
    mkdirSync(dirname(resolve(options.json)), { recursive: true });
    writeFileSync(options.json, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${options.json}`);
  }
  if (options.smoke) {
    const problems = smokeProblems(result);
    for (const p of problems) console.error(`smoke: ${p}`);
    if (problems.length > 0) process.exit(1);
    console.log('smoke: the output is well formed and the fake saw no early retry');
  }
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
