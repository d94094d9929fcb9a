import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { BackgroundJobsError, BullJobs, InProcessJobs, redisOptionsFromUrl, type BackgroundJobs } from './background-jobs.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

interface Warning {
  obj: Record<string, unknown>;
  msg: string;
}
function collectingLog() {
  const warnings: Warning[] = [];
  return { warnings, warn: (obj: object, msg: string) => void warnings.push({ obj: obj as Record<string, unknown>, msg }) };
}

function refusal(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof BackgroundJobsError ? err.code : `untyped: ${String(err)}`;
  }
  return undefined;
}

describe('InProcessJobs', () => {
  it('runs each job every period, never two runs of a job at once, and carries on after a run throws', async () => {
    const log = collectingLog();
    const jobs = new InProcessJobs({ log });
    let quick = 0;
    let slow = 0;
    let slowNow = 0;
    let slowMax = 0;
    let broken = 0;
    jobs.every('quick', 50, async () => {
      quick++;
    });
    // Each run lasts longer than three periods: overlapping ticks must be skipped, not queued or run alongside.
    jobs.every('slow', 50, async () => {
      slow++;
      slowMax = Math.max(slowMax, ++slowNow);
      await sleep(180);
      slowNow--;
    });
    jobs.every('broken', 50, async () => {
      broken++;
      throw new Error('boom');
    });
    await jobs.start();
    await sleep(1000);
    const closing = jobs.close();
    const quickAtClose = quick;
    await closing;
    // close() waited for the slow run in progress.
    expect(slowNow).toBe(0);

    expect(quick).toBeGreaterThanOrEqual(12);
    expect(quick).toBeLessThanOrEqual(21);
    expect(slowMax).toBe(1);
    expect(slow).toBeGreaterThanOrEqual(3);
    expect(slow).toBeLessThanOrEqual(6);
    expect(broken).toBeGreaterThanOrEqual(12);
    const failures = log.warnings.filter((w) => w.msg === 'background job failed');
    expect(failures).toHaveLength(broken);
    expect(failures.every((w) => w.obj.job === 'broken' && (w.obj.err as Error).message === 'boom')).toBe(true);
    expect(log.warnings.some((w) => w.obj.job === 'slow' && /skipped/.test(w.msg))).toBe(true);

    await sleep(200);
    expect(quick).toBe(quickAtClose);
  });

  it('refuses bad names, bad periods, duplicates, and registration after start', async () => {
    const jobs = new InProcessJobs({ log: collectingLog() });
    const run = async () => undefined;
    jobs.every('sessions.sweep', 1000, run);
    expect(refusal(() => jobs.every('sessions.sweep', 2000, run))).toBe('DUPLICATE_NAME');
    expect(refusal(() => jobs.every('', 1000, run))).toBe('BAD_NAME');
    expect(refusal(() => jobs.every('a:b', 1000, run))).toBe('BAD_NAME');
    expect(refusal(() => jobs.every('x'.repeat(65), 1000, run))).toBe('BAD_NAME');
    for (const bad of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(refusal(() => jobs.every(`p${String(bad).replace(/[^A-Za-z0-9]/g, '_')}`, bad, run))).toBe('BAD_PERIOD');
    }
    await jobs.start();
    expect(refusal(() => jobs.every('late', 1000, run))).toBe('ALREADY_STARTED');
    await expect(jobs.start()).rejects.toMatchObject({ code: 'ALREADY_STARTED' });
    await jobs.close();
  });
});

describe('redisOptionsFromUrl', () => {
  it('reads host, port, credentials, database and TLS', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(redisOptionsFromUrl('rediss://us%40r:p%3Ass@cache.example:6380/3')).toEqual({
      host: 'cache.example',
      port: 6380,
      username: 'us@r',
      password: 'p:ss',
      db: 3,
      tls: {},
    });
    expect(redisOptionsFromUrl('redis://:secret@[::1]')).toEqual({ host: '::1', port: 6379, password: 'secret' });
    expect(() => redisOptionsFromUrl('http://x')).toThrow(/redis:\/\//);
    expect(() => redisOptionsFromUrl('redis://x/abc')).toThrow(/database/);
  });
});

describe('BullJobs on the real Redis', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const open: BackgroundJobs[] = [];

  function newPrefix(): string {
    const p = `test:bgjobs:${randomUUID().slice(0, 8)}`;
    prefixes.push(p);
    return p;
  }
  function node(prefix: string, nodeId: string, log = collectingLog(), resyncMs?: number): BullJobs {
    const jobs = new BullJobs({ redisUrl: REDIS_URL, prefix, nodeId, log, ...(resyncMs ? { resyncMs } : {}) });
    open.push(jobs);
    return jobs;
  }
  async function keysOf(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }
  async function deleteKeys(prefix: string): Promise<number> {
    const keys = await keysOf(prefix);
    if (keys.length) await redis.del(...keys);
    return keys.length;
  }

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((j) => j.close()));
    for (const p of prefixes.splice(0)) await deleteKeys(p);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('three nodes run a job once per period for the whole cluster; the last node standing keeps the period', async () => {
    const prefix = newPrefix();
    const periodMs = 300;
    const runs: { node: string; at: number }[] = [];
    const nodes = ['node-a', 'node-b', 'node-c'].map((id) => {
      const jobs = node(prefix, id);
      jobs.every('sweep', periodMs, async () => {
        runs.push({ node: id, at: Date.now() });
      });
      return jobs;
    });
    const t0 = Date.now();
    await Promise.all(nodes.map((n) => n.start()));
    await sleep(3000);
    const together = runs.length;
    // A new scheduler runs at once, then once per period.
    const periods = (Date.now() - t0) / periodMs;
    expect(together).toBeGreaterThanOrEqual(Math.floor(periods) - 2);
    expect(together).toBeLessThanOrEqual(Math.ceil(periods) + 2);
    // Runs are a period apart, not bunched up by several nodes each doing their own.
    const gaps = runs.slice(1).map((r, i) => r.at - runs[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThan(periodMs / 2);

    await Promise.all([nodes[0]!.close(), nodes[1]!.close()]);
    const tClosed = Date.now();
    // A closing worker may take the wake-up for the next due job with it; the survivor then notices that job when
    // its own blocking wait for new jobs ends (BullMQ's drainDelay, 5 s), so the first run may come late.
    while (!runs.some((r) => r.at >= tClosed) && Date.now() - tClosed < 7000) await sleep(25);
    const tTakeover = Date.now();
    const before = runs.length;
    expect(before).toBeGreaterThan(together);
    await sleep(2100);
    const after = runs.slice(before - 1).filter((r) => r.at >= tClosed);
    expect(after.every((r) => r.node === 'node-c')).toBe(true);
    // The first run after the takeover, then one per period.
    expect(after.length - 1).toBeGreaterThanOrEqual(Math.floor(2100 / periodMs) - 2);
    expect(after.length - 1).toBeLessThanOrEqual(Math.ceil(2100 / periodMs) + 2);
    console.log(
      `cluster runs: ${together} in ${periods.toFixed(1)} periods by`,
      Object.fromEntries(['node-a', 'node-b', 'node-c'].map((n) => [n, runs.slice(0, together).filter((r) => r.node === n).length])),
      `; node-c took over after ${tTakeover - tClosed} ms, then ran ${after.length - 1} times in ${(2100 / periodMs).toFixed(1)} periods`,
    );
  });

  it('a run longer than its period is not overlapped by another node, and a failing run is logged and run again next period', async () => {
    const prefix = newPrefix();
    const logs = [collectingLog(), collectingLog()];
    let slowNow = 0;
    let slowMax = 0;
    let slow = 0;
    let broken = 0;
    const nodes = logs.map((log, i) => {
      const jobs = node(prefix, `node-${i}`, log);
      jobs.every('slow', 200, async () => {
        slow++;
        slowMax = Math.max(slowMax, ++slowNow);
        await sleep(500);
        slowNow--;
      });
      jobs.every('broken', 200, async () => {
        broken++;
        throw new Error('boom');
      });
      return jobs;
    });
    await Promise.all(nodes.map((n) => n.start()));
    await sleep(2000);
    await Promise.all(nodes.map((n) => n.close()));
    expect(slowMax).toBe(1);
    // 2 s of 500 ms runs: at most four, where overlapping runs would have made ten.
    expect(slow).toBeGreaterThanOrEqual(2);
    expect(slow).toBeLessThanOrEqual(4);
    const warnings = logs.flatMap((l) => l.warnings);
    expect(warnings.some((w) => w.obj.job === 'slow' && /skipped/.test(w.msg))).toBe(true);
    expect(broken).toBeGreaterThanOrEqual(4);
    const failures = warnings.filter((w) => w.msg === 'background job failed');
    expect(failures).toHaveLength(broken);
    expect(failures.every((w) => w.obj.job === 'broken' && (w.obj.err as Error).message === 'boom')).toBe(true);
    // No BullMQ retries: one failed job per run, kept within the bound.
    const failedKept = await redis.zcard(`${prefix}:background:failed`);
    expect(failedKept).toBe(broken);
  });

  it('keeps running through dropped Redis connections', async () => {
    const prefix = newPrefix();
    const log = collectingLog();
    const runs: number[] = [];
    const jobs = node(prefix, 'node-a', log);
    jobs.every('sweep', 200, async () => void runs.push(Date.now()));
    await jobs.start();
    await sleep(600);
    // Drop every connection this node has (and only those: other suites share this Redis).
    const clients = (await redis.client('LIST')) as string;
    const ours = clients
      .split('\n')
      .filter((l) => l.includes(` name=${prefix}:`))
      .map((l) => /\bid=(\d+)/.exec(l)![1]!);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const id of ours) await redis.client('KILL', 'ID', id);
    const tKilled = Date.now();
    // BullMQ's reconnection waits at least a second before trying again.
    await sleep(2500);
    const after = runs.filter((t) => t > tKilled + 1500);
    expect(after.length).toBeGreaterThanOrEqual(3);
    // The connections were really dropped: this node now talks to Redis over new ones.
    const now = ((await redis.client('LIST')) as string).split('\n').filter((l) => l.includes(` name=${prefix}:`));
    expect(now.length).toBeGreaterThanOrEqual(2);
    expect(now.some((l) => ours.includes(/\bid=(\d+)/.exec(l)![1]!))).toBe(false);
  });

  it('re-creates the schedule after Redis lost its data', async () => {
    const prefix = newPrefix();
    const runs: number[] = [];
    const jobs = node(prefix, 'node-a', collectingLog(), 300);
    jobs.every('sweep', 200, async () => void runs.push(Date.now()));
    await jobs.start();
    await sleep(500);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // As a Redis restarted without persistence: the scheduler and its next job are gone.
    expect(await deleteKeys(prefix)).toBeGreaterThan(0);
    const tLost = Date.now();
    await sleep(1500);
    expect(await redis.exists(`${prefix}:background:repeat:sweep`)).toBe(1);
    expect(runs.filter((t) => t > tLost).length).toBeGreaterThanOrEqual(3);
  });

  it('a node started with a new period imposes it; older nodes warn and leave it', async () => {
    const prefix = newPrefix();
    const run = async () => undefined;
    const oldLog = collectingLog();
    const old = node(prefix, 'node-old', oldLog, 100);
    old.every('renew', 60_000, run);
    await old.start();
    const fresh = node(prefix, 'node-new', collectingLog(), 100);
    fresh.every('renew', 30_000, run);
    await fresh.start();
    await sleep(450);
    expect(await redis.hget(`${prefix}:background:repeat:renew`, 'every')).toBe('30000');
    const mismatch = oldLog.warnings.filter((w) => /differs/.test(w.msg));
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]!.obj).toMatchObject({ job: 'renew', everyMs: 60_000, clusterEveryMs: 30_000 });
  });

  it('refuses bad names, bad periods, duplicates, and registration after start; re-registering keeps the schedule', async () => {
    const prefix = newPrefix();
    const run = async () => undefined;
    const a = node(prefix, 'node-a');
    a.every('renew', 60_000, run);
    expect(refusal(() => a.every('renew', 60_000, run))).toBe('DUPLICATE_NAME');
    expect(refusal(() => a.every('re new', 60_000, run))).toBe('BAD_NAME');
    expect(refusal(() => a.every('fast', 0, run))).toBe('BAD_PERIOD');
    expect(refusal(() => a.every('frac', 99.5, run))).toBe('BAD_PERIOD');
    await a.start();
    expect(refusal(() => a.every('late', 60_000, run))).toBe('ALREADY_STARTED');
    // The first registration runs the job at once, and taking that run schedules the next period.
    const queueKey = `${prefix}:background`;
    for (let i = 0; i < 40 && (await redis.zcard(`${queueKey}:delayed`)) !== 1; i++) await sleep(50);
    expect(await redis.zcard(`${queueKey}:completed`)).toBe(1);
    // A second node registering the same job keeps that time rather than starting the period afresh.
    const next = Number(await redis.zscore(`${queueKey}:repeat`, 'renew'));
    const b = node(prefix, 'node-b');
    b.every('renew', 60_000, run);
    await b.start();
    expect(Number(await redis.zscore(`${queueKey}:repeat`, 'renew'))).toBe(next);
    expect(await redis.zcard(`${queueKey}:delayed`)).toBe(1);
  });
});
