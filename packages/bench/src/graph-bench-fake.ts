/**
 * The fake Microsoft for the Graph benchmark, in a worker thread of its own: it stands for another company's service,
 * so it should not take the product's CPU. It runs on the benchmark's shared clock and tells the main thread of every
 * change of someone's aggregated presence (whatever caused it: their Teams client, an app's setPresence, an expiry),
 * with the simulated time it happened.
 */
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LIMITS, startFakeMicrosoft, type FakeMicrosoft, type FakeReport, type LimitId, type LimitSpec, type TenantSeed } from '@metaoffice/fake-microsoft';
import { AcceleratedClock } from './graph-bench-clock.js';

export interface FakeWorkerInput {
  clockState: Float64Array;
  caDir: string;
  clientId: string;
  clientSecret: string;
  plainPresenceResourceData: boolean;
  /** The fake's presence and activity-feed limits times this (1 = Microsoft's documented figures). */
  limitScale: number;
  tenants: TenantSeed[];
}

/** The limits the simulation leans on (sign-in's directory and team reads keep their documented figures). */
const SCALED_LIMITS: readonly LimitId[] = ['presence', 'activity-tenant', 'activity-global'];

/** Those limits scaled, at least 1 request per window. */
export function scaledLimits(scale: number): Partial<Record<LimitId, LimitSpec>> {
  const out: Partial<Record<LimitId, LimitSpec>> = {};
  for (const id of SCALED_LIMITS) {
    const spec = DEFAULT_LIMITS[id];
    if (spec.kind === 'bucket') out[id] = { ...spec, limit: Math.max(1, Math.round(spec.limit * scale)) };
  }
  return out;
}

export interface PresenceTruth {
  tenantId: string;
  userId: string;
  availability: string;
  /** Simulated ms. */
  at: number;
}

type Request =
  | { id: number; op: 'mintSsoToken'; tenantId: string; userId: string; audience: string }
  | { id: number; op: 'report' }
  | { id: number; op: 'busy'; restart: boolean }
  | { id: number; op: 'close' };

type Command = { op: 'setUserPresence'; tenantId: string; userId: string; availability: string; activity: string };

type WorkerMessage =
  | { type: 'ready'; authorityHost: string; graphBaseUrl: string }
  | { type: 'change'; change: PresenceTruth }
  | { type: 'reply'; id: number; value?: unknown; error?: string };

/** The main thread's handle on the fake in its worker. */
export class FakeInWorker {
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;

  private constructor(
    private readonly worker: Worker,
    readonly authorityHost: string,
    readonly graphBaseUrl: string,
  ) {}

  static async start(input: FakeWorkerInput, onChange: (change: PresenceTruth) => void): Promise<FakeInWorker> {
    const worker = new Worker(new URL(import.meta.url), { workerData: input });
    let handle: FakeInWorker | undefined;
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'change') onChange(m.change);
        else if (m.type === 'ready') {
          handle = new FakeInWorker(worker, m.authorityHost, m.graphBaseUrl);
          worker.off('error', reject);
          worker.on('error', (err) => handle?.failAll(err));
          resolve(handle);
        } else handle?.settle(m);
      });
    });
  }

  /** The person's own Teams presence (their Teams clients); fire and forget, in order. */
  setUserPresence(tenantId: string, userId: string, availability: string, activity: string): void {
    const command: Command = { op: 'setUserPresence', tenantId, userId, availability, activity };
    this.worker.postMessage(command);
  }

  mintSsoToken(tenantId: string, userId: string, audience: string): Promise<string> {
    return this.ask({ op: 'mintSsoToken', tenantId, userId, audience }) as Promise<string>;
  }

  report(): Promise<FakeReport> {
    return this.ask({ op: 'report' }) as Promise<FakeReport>;
  }

  /** The share of real time the fake's thread was busy (0..1) since it started or the last `restart`. */
  busy(restart = false): Promise<number> {
    return this.ask({ op: 'busy', restart }) as Promise<number>;
  }

  /** Waits for the webhook deliveries in flight, then stops the fake and its thread. */
  async close(): Promise<void> {
    await this.ask({ op: 'close' });
    await this.worker.terminate();
  }

  private ask(request: Record<string, unknown> & { op: Request['op'] }): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private settle(m: Extract<WorkerMessage, { type: 'reply' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.value);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

async function runWorker(input: FakeWorkerInput): Promise<void> {
  const port = parentPort!;
  const clock = new AcceleratedClock(input.clockState);
  const fake: FakeMicrosoft = await startFakeMicrosoft({
    apps: [{ clientId: input.clientId, clientSecret: input.clientSecret, displayName: 'MetaOffice (benchmark)' }],
    clock,
    caDir: input.caDir,
    plainPresenceResourceData: input.plainPresenceResourceData,
    ...(input.limitScale !== 1 ? { limitOverrides: scaledLimits(input.limitScale) } : {}),
  });
  for (const tenant of input.tenants) fake.seed(tenant);
  const services = fake.services;
  const deliver = services.presenceChanged.bind(services);
  services.presenceChanged = (change) => {
    if (change) port.postMessage({ type: 'change', change: { tenantId: change.tenantId, userId: change.userId, availability: change.presence.availability, at: clock.now() } } satisfies WorkerMessage);
    deliver(change);
  };
  port.on('message', (m: Request | Command) => {
    if (m.op === 'setUserPresence') {
      fake.setUserPresence(m.tenantId, m.userId, m.availability, m.activity);
      return;
    }
    const answer = async (): Promise<unknown> => {
      switch (m.op) {
        case 'mintSsoToken':
          return fake.mintSsoToken({ tenantId: m.tenantId, userId: m.userId, clientId: input.clientId, audience: m.audience });
        case 'report':
          return fake.report();
        case 'busy': {
          const utilization = performance.eventLoopUtilization(since).utilization;
          if (m.restart) since = performance.eventLoopUtilization();
          return utilization;
        }
        case 'close':
          await fake.close();
          return undefined;
      }
    };
    answer().then(
      (value) => port.postMessage({ type: 'reply', id: m.id, value } satisfies WorkerMessage),
      (err: unknown) => port.postMessage({ type: 'reply', id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerMessage),
    );
  });
  let since = performance.eventLoopUtilization();
  port.postMessage({ type: 'ready', authorityHost: fake.authorityHost, graphBaseUrl: fake.graphBaseUrl } satisfies WorkerMessage);
}

if (!isMainThread && (workerData as FakeWorkerInput | undefined)?.clockState) {
  void runWorker(workerData as FakeWorkerInput);
}
