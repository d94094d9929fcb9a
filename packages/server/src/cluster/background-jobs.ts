import { Queue, Worker, type Job, type JobSchedulerTemplateOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';

/**
 * Periodic housekeeping (expired sessions, Graph subscription renewals) that must happen once per period for the
 * whole deployment: `InProcessJobs` on a single node, `BullJobs` in a cluster, where BullMQ's job schedulers in the
 * shared Redis decide when a period is due and whichever node's worker is free runs it.
 */
export interface BackgroundJobs {
  /** Registers a job, before `start()`. Names are unique: 1–64 letters, digits, dots, dashes or underscores. */
  every(name: string, everyMs: number, run: () => Promise<void>): void;
  start(): Promise<void>;
  /** Stops scheduling and waits for runs in progress on this node. */
  close(): Promise<void>;
}

export interface JobsLog {
  warn(obj: object, msg: string): void;
}

export type BackgroundJobsErrorCode = 'BAD_NAME' | 'BAD_PERIOD' | 'DUPLICATE_NAME' | 'ALREADY_STARTED' | 'CLOSED';

export class BackgroundJobsError extends Error {
  constructor(
    readonly code: BackgroundJobsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackgroundJobsError';
  }
}

// Job names become BullMQ scheduler ids and job ids ("repeat:<name>:<millis>"); BullMQ tells legacy repeatable keys
// from schedulers partly by counting colons, so names keep to a plain alphabet.
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const MIN_PERIOD_MS = 10;
/** setInterval's limit (a 32-bit signed delay); anything longer fires at once. */
export const MAX_PERIOD_MS = 2_147_483_647;

interface Registered {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

/** The checks every implementation shares, so a job list that works on one node works in a cluster too. */
abstract class Registry {
  protected readonly jobs = new Map<string, Registered>();
  protected started = false;
  protected closed = false;

  every(name: string, everyMs: number, run: () => Promise<void>): void {
    if (this.closed) throw new BackgroundJobsError('CLOSED', 'background jobs are closed');
    if (this.started) throw new BackgroundJobsError('ALREADY_STARTED', `register "${name}" before start()`);
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new BackgroundJobsError('BAD_NAME', `a job name must be 1–64 letters, digits, dots, dashes or underscores, got ${JSON.stringify(name)}`);
    }
    if (!Number.isSafeInteger(everyMs) || everyMs < MIN_PERIOD_MS || everyMs > MAX_PERIOD_MS) {
      throw new BackgroundJobsError('BAD_PERIOD', `job "${name}": the period must be a whole number of milliseconds from ${MIN_PERIOD_MS} to ${MAX_PERIOD_MS}, got ${everyMs}`);
    }
    if (this.jobs.has(name)) throw new BackgroundJobsError('DUPLICATE_NAME', `a job named "${name}" is already registered`);
    this.jobs.set(name, { name, everyMs, run });
  }

  protected markStarted(): void {
    if (this.closed) throw new BackgroundJobsError('CLOSED', 'background jobs are closed');
    if (this.started) throw new BackgroundJobsError('ALREADY_STARTED', 'start() was already called');
    this.started = true;
  }
}

/** One node, no Redis: plain timers. The first run comes one period after start(), as with setInterval. */
export class InProcessJobs extends Registry implements BackgroundJobs {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: { log: JobsLog }) {
    super();
  }

  async start(): Promise<void> {
    this.markStarted();
    for (const job of this.jobs.values()) {
      const t = setInterval(() => this.tick(job), job.everyMs);
      // Housekeeping alone must not keep the process alive after the server closed.
      t.unref();
      this.timers.push(t);
    }
  }

  private tick(job: Registered): void {
    if (this.closed) return;
    if (this.running.has(job.name)) {
      this.opts.log.warn({ job: job.name, everyMs: job.everyMs }, 'background job skipped: its previous run is still going');
      return;
    }
    const p = (async () => {
      try {
        await job.run();
      } catch (err) {
        this.opts.log.warn({ err, job: job.name }, 'background job failed');
      } finally {
        this.running.delete(job.name);
      }
    })();
    this.running.set(job.name, p);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    // What a run uses (the store) is usually closed right after, so let runs in progress finish first.
    await Promise.all([...this.running.values()]);
  }
}

export interface BullJobsOptions {
  /** redis:// or rediss:// URL, user, password and /db included. */
  redisUrl: string;
  /** BullMQ's key prefix, e.g. "metaoffice:jobs": every key is "<prefix>:<queue>:…". */
  prefix: string;
  /** This node, as BullMQ records it on the jobs it runs and in Redis's CLIENT LIST. */
  nodeId: string;
  log: JobsLog;
  /** The one queue all nodes share; "background" unless two independent job sets must share a prefix. */
  queueName?: string;
  /**
   * How often each node re-asserts the schedulers (default 60 s), so they come back after Redis lost its data (a
   * restart without persistence, a failover to an empty replica) or a period's follow-up could not be scheduled.
   */
  resyncMs?: number;
}

// Bounded history: enough to look at recent runs in Redis, never a growing list.
const TEMPLATE: JobSchedulerTemplateOptions = {
  // No BullMQ retries: a failed run is logged and the next period runs anyway, which for housekeeping is the retry.
  attempts: 1,
  removeOnComplete: { count: 20 },
  removeOnFail: { count: 50 },
};

/**
 * A cluster: one BullMQ queue shared by every node, one job scheduler per job. The scheduler lives in Redis and adds
 * one job per period (its job id is derived from the period's timestamp, so nodes re-registering the same job do not
 * add more), and each node's worker (concurrency 1) takes whatever is due. A node that dies mid-run leaves a stalled
 * job that BullMQ's stalled check hands to another node; the next period is already scheduled by then. A worker
 * that closes may take the wake-up for the next due job with it; the others then find that job within BullMQ's
 * drainDelay (5 s), which is noise against periods of a minute or more.
 *
 * Unlike InProcessJobs, a job that has no scheduler in Redis yet runs as soon as it is registered, and a node that
 * restarts keeps the existing schedule rather than restarting the period.
 */
export class BullJobs extends Registry implements BackgroundJobs {
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;
  private lastConnectionWarning = 0;
  /** Jobs whose period in Redis differs from ours (another node's configuration): warned about once each. */
  private readonly mismatchWarned = new Set<string>();
  private readonly queueName: string;
  private readonly resyncMs: number;

  constructor(private readonly opts: BullJobsOptions) {
    super();
    this.queueName = opts.queueName ?? 'background';
    this.resyncMs = opts.resyncMs ?? 60_000;
    if (this.queueName.includes(':')) throw new Error('a BullMQ queue name cannot contain ":"');
    if (!Number.isSafeInteger(this.resyncMs) || this.resyncMs < MIN_PERIOD_MS || this.resyncMs > MAX_PERIOD_MS) {
      throw new Error(`resyncMs must be a whole number of milliseconds from ${MIN_PERIOD_MS} to ${MAX_PERIOD_MS}`);
    }
  }

  async start(): Promise<void> {
    this.markStarted();
    const base = redisOptionsFromUrl(this.opts.redisUrl);
    const { prefix, nodeId } = this.opts;
    // Separate connection options so BullMQ opens and closes each client itself. The queue's commands fail after
    // ioredis's usual retries (a resync simply tries again later); the worker's must wait out an outage, which
    // BullMQ requires of a worker (maxRetriesPerRequest: null).
    const queue = new Queue(this.queueName, { connection: { ...base, connectionName: `${prefix}:${nodeId}:queue` }, prefix });
    queue.on('error', (err) => this.connectionTrouble(err, 'queue'));
    this.queue = queue;
    try {
      await this.upsertAll(true);
      const worker = new Worker(this.queueName, (job) => this.process(job), {
        connection: { ...base, maxRetriesPerRequest: null, connectionName: `${prefix}:${nodeId}:worker` },
        prefix,
        name: nodeId,
        concurrency: 1,
        removeOnComplete: { count: 20 },
        removeOnFail: { count: 50 },
      });
      worker.on('error', (err) => this.connectionTrouble(err, 'worker'));
      this.worker = worker;
      await worker.waitUntilReady();
    } catch (err) {
      await this.close().catch(() => undefined);
      throw err;
    }
    this.resyncTimer = setInterval(() => this.resync(), this.resyncMs);
    this.resyncTimer.unref();
  }

  private async process(job: Job): Promise<void> {
    const entry = this.jobs.get(job.name);
    if (!entry) {
      // A scheduler registered by a node running another version; the job fails here and its next period is
      // picked up by whichever node knows it.
      this.opts.log.warn({ job: job.name, nodeId: this.opts.nodeId }, 'background job unknown on this node');
      throw new Error(`no background job named "${job.name}" on node ${this.opts.nodeId}`);
    }
    // BullMQ schedules the next period as soon as a run starts, so a run longer than its period would otherwise
    // overlap the next one on another node. The price: a run orphaned by a dead node counts as going on until
    // BullMQ's stalled check (lockDuration and stalledInterval, 30 s each) gives it to another node.
    const active = await this.queue!.getActive();
    if (active.some((other) => other.name === job.name && other.id !== job.id)) {
      this.opts.log.warn({ job: job.name, everyMs: entry.everyMs, nodeId: this.opts.nodeId }, 'background job skipped: its previous run is still going');
      return;
    }
    try {
      await entry.run();
    } catch (err) {
      this.opts.log.warn({ err, job: job.name, nodeId: this.opts.nodeId }, 'background job failed');
      throw err;
    }
  }

  /**
   * `upsertJobScheduler` with an unchanged period keeps the schedule: it replaces the pending job by one at the same
   * time, or adds the missing next one. So every node may call it at start and on every resync. A changed period
   * restarts the schedule, so only start() imposes this node's period; a resync leaves another node's alone.
   */
  private async upsertAll(atStart: boolean): Promise<void> {
    const queue = this.queue!;
    for (const job of this.jobs.values()) {
      if (!atStart) {
        const current = await queue.getJobScheduler(job.name);
        if (current?.every !== undefined && current.every !== job.everyMs) {
          if (!this.mismatchWarned.has(job.name)) {
            this.mismatchWarned.add(job.name);
            this.opts.log.warn({ job: job.name, everyMs: job.everyMs, clusterEveryMs: current.every, nodeId: this.opts.nodeId }, 'background job period differs from the cluster schedule; leaving it as it is');
          }
          continue;
        }
      }
      await queue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name, opts: TEMPLATE });
    }
  }

  private resync(): void {
    if (this.resyncing || this.closed) return;
    this.resyncing = this.upsertAll(false)
      .catch((err: unknown) => this.opts.log.warn({ err, nodeId: this.opts.nodeId }, 'background job schedulers could not be re-asserted'))
      .finally(() => (this.resyncing = undefined));
  }

  /** ioredis reports every failed reconnection attempt; one line per half minute says enough. */
  private connectionTrouble(err: Error, client: 'queue' | 'worker'): void {
    const now = Date.now();
    if (now - this.lastConnectionWarning < 30_000) return;
    this.lastConnectionWarning = now;
    this.opts.log.warn({ err, client, nodeId: this.opts.nodeId }, 'background jobs: Redis connection trouble');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.resyncing;
    // Worker first: it finishes the run in progress, which may still use the queue (the overlap check).
    try {
      await this.worker?.close();
    } finally {
      await this.queue?.close();
    }
  }
}

/** ioredis takes a URL only in its constructor; BullMQ wants options to create (and own) its clients. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('the Redis URL is not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('the Redis URL must start with redis:// or rediss://');
  const db = u.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new Error('the Redis URL path must be a database number');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    // Node then verifies the server's certificate against the host name, as ioredis does for rediss:// itself.
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
