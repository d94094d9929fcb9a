import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ApiClient, OfficeConnection, type OfficeConnectionOptions } from '@metaoffice/client';
import { nodeSocketFactory } from '@metaoffice/client/node';
import type { Direction } from '@metaoffice/protocol';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import { PG_URL, pgAdmin, sleep } from './harness.js';

/**
 * A cluster of real node processes (`main.ts` from source, as `crash.test.ts` boots one) on the shared PostgreSQL and
 * Redis: a schema and a Redis key prefix of its own, so runs never see each other's offices or leases. Processes,
 * not in-process servers, because the tests kill nodes with SIGKILL: nothing of a dead node may keep running.
 */

const MAIN = new URL('../main.ts', import.meta.url).pathname;
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Copied from crash.test.ts (a test file, so not importable): a port the OS just handed out and released.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface ClusterNode {
  /** NODE_ID: n1, n2, … */
  id: string;
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  child: ChildProcess;
  dataDir: string;
  /** The environment the node was started with, to start it again the same way. */
  env: Record<string, string>;
  /** Everything the process wrote (stdout and stderr, interleaved), bounded; shown when a test fails. */
  output: string;
  readonly alive: boolean;
}

export interface NodeOverrides {
  /** Point this node at another Redis (a fault proxy) than the cluster's. */
  redisUrl?: string;
  /** Point this node at another PostgreSQL address (a fault proxy); the schema is added by the harness. */
  pgUrl?: string;
  env?: Record<string, string>;
}

export interface ClusterOptions {
  nodes: number;
  /** OFFICE_LEASE_MS for every node. */
  leaseMs?: number;
  /** LOG_LEVEL of the nodes; their output is kept for failure reports either way. */
  logLevel?: string;
  /** Extra environment for every node. */
  env?: Record<string, string>;
  /** Per-node overrides, by index (0 = n1). */
  perNode?: (index: number) => NodeOverrides | undefined;
  /** A tag for the schema and key prefix, so leftovers in a shared database say which test made them. */
  tag?: string;
}

export interface LeaseHolder {
  owner: string;
  token: number;
  /** Milliseconds the lease has left in Redis. */
  pttl: number;
}

export interface Cluster {
  nodes: ClusterNode[];
  schema: string;
  keyPrefix: string;
  /** The cluster's DATABASE_URL (direct, not through any proxy). */
  databaseUrl: string;
  /** A direct Redis connection, for looking at leases behind the nodes' backs. */
  redis: Redis;
  node(id: string): ClusterNode;
  /** Who holds an office's lease, read straight from Redis. */
  leaseOwner(officeId: string): Promise<LeaseHolder | undefined>;
  /** SIGKILL: no shutdown hook runs, the lease is left to expire. Resolves once the process is gone. */
  kill9(node: ClusterNode): Promise<void>;
  /** Starts a stopped node again with the same id, port and environment. */
  restart(node: ClusterNode): Promise<void>;
  /** Resolves when GET /readyz answers 200. */
  waitReady(node: ClusterNode, timeoutMs?: number): Promise<void>;
  /** Runs a query on the cluster's schema over a direct connection (not through any fault proxy). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Every node's output, labelled, for a failure report. */
  logs(maxCharsPerNode?: number): string;
  stop(): Promise<void>;
}

let seq = 0;

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const tag = (opts.tag ?? 'cl').replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 12);
  const unique = `${process.pid}_${Date.now().toString(36)}_${seq++}`;
  const schema = `mo_${tag}_${unique}`;
  const keyPrefix = `mo-test:${tag}:${unique}:`;
  const databaseUrl = `${PG_URL}?schema=${schema}`;
  const secretsKey = randomBytes(32).toString('base64');
  await pgAdmin(`CREATE SCHEMA ${schema}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  const db = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await db.connect();
  // An idle connection cut by the database must not crash the test process.
  db.on('error', () => undefined);

  const nodes: ClusterNode[] = [];
  const withSchema = (base: string) => `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;

  const launch = (node: Omit<ClusterNode, 'child' | 'alive' | 'output'> & Partial<ClusterNode>): ClusterNode => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@metaoffice/source', MAIN], {
      env: { ...process.env, ...node.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const n = node as ClusterNode;
    n.child = child;
    n.output ??= '';
    if (n.output) n.output += `\n----- ${n.id} restarted -----\n`;
    const keep = (chunk: Buffer) => {
      n.output += chunk.toString('utf8');
      // Bounded: a node logging in a loop must not eat the test process's memory.
      if (n.output.length > 400_000) n.output = n.output.slice(-300_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    Object.defineProperty(n, 'alive', { configurable: true, get: () => child.exitCode === null && child.signalCode === null });
    return n;
  };

  const cluster: Cluster = {
    nodes,
    schema,
    keyPrefix,
    databaseUrl,
    redis,
    node(id) {
      const n = nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    async leaseOwner(officeId) {
      const key = `${keyPrefix}lease:office:${officeId}`;
      const [[, v], [, pttl]] = (await redis.multi().get(key).pttl(key).exec()) as [[null, string | null], [null, number]];
      if (!v) return undefined;
      const i = v.lastIndexOf(':');
      return { owner: v.slice(0, i), token: Number(v.slice(i + 1)), pttl };
    },
    async kill9(node) {
      if (!node.alive) return;
      const gone = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
      node.child.kill('SIGKILL');
      await gone;
    },
    async restart(node) {
      if (node.alive) throw new Error(`${node.id} is still running`);
      launch(node);
      await cluster.waitReady(node);
    },
    async waitReady(node, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await fetch(node.url + '/readyz').then((r) => r.ok, () => false)) return;
        if (!node.alive) throw new Error(`${node.id} exited (${node.child.exitCode ?? node.child.signalCode}) before it was ready:\n${tail(node.output, 4000)}`);
        if (Date.now() > deadline) throw new Error(`${node.id} not ready after ${timeoutMs} ms:\n${tail(node.output, 4000)}`);
        await sleep(100);
      }
    },
    async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await db.query<R>(sql, params)).rows;
    },
    logs(max = 6000) {
      return nodes.map((n) => `===== ${n.id} (${n.url}, ${n.alive ? 'alive' : `exited ${n.child.exitCode ?? n.child.signalCode}`}) =====\n${tail(n.output, max) || '(no output)'}`).join('\n');
    },
    async stop() {
      await Promise.all(nodes.map((n) => cluster.kill9(n)));
      for (const n of nodes) rmSync(n.dataDir, { recursive: true, force: true });
      await db.end().catch(() => undefined);
      await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };

  try {
    for (let i = 0; i < opts.nodes; i++) {
      const port = await freePort();
      const o = opts.perNode?.(i) ?? {};
      const id = `n${i + 1}`;
      const env: Record<string, string> = {
        PORT: String(port),
        HOST: '127.0.0.1',
        WEB_DIST: '',
        LOG_LEVEL: opts.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'warn',
        CI: '1',
        SEED_DEMO: 'false',
        PASSWORD_COST: '10',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        DATABASE_URL: withSchema(o.pgUrl ?? PG_URL),
        REDIS_URL: o.redisUrl ?? REDIS_URL,
        REDIS_KEY_PREFIX: keyPrefix,
        NODE_ID: id,
        SECRETS_KEY: secretsKey,
        ...(opts.leaseMs ? { OFFICE_LEASE_MS: String(opts.leaseMs) } : {}),
        ...opts.env,
        ...o.env,
      };
      const dataDir = mkdtempSync(join(tmpdir(), `mo-${id}-`));
      env.DATA_DIR = dataDir;
      nodes.push(launch({ id, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, dataDir, env }));
      // The first node migrates the fresh schema alone; the others start together once it is there.
      if (i === 0) await cluster.waitReady(nodes[0]!);
    }
    await Promise.all(nodes.slice(1).map((n) => cluster.waitReady(n)));
  } catch (err) {
    await cluster.stop().catch(() => undefined);
    throw err;
  }
  return cluster;
}

function tail(s: string, n: number): string {
  return s.length > n ? `…${s.slice(-n)}` : s;
}

// ---- bots ------------------------------------------------------------------------------------------------------

export interface Bot {
  index: number;
  api: ApiClient;
  userId: string;
  name: string;
  conn: OfficeConnection;
}

/** A signed-in ApiClient against one node. */
export function apiAt(node: ClusterNode): ApiClient {
  return new ApiClient({ baseUrl: node.url, cookieJar: true });
}

/**
 * An office connection for a bot (as harness.ts `connect` builds one, but to a list of node URLs rather than one
 * in-process server). Not connected yet: the caller decides when.
 */
export function botConnection(
  api: ApiClient,
  urls: readonly string[],
  officeId: string,
  extra: Partial<OfficeConnectionOptions> = {},
  /** Told which URL each new socket goes to: the connection does not say which node it is on. */
  onSocket?: (url: string) => void,
): OfficeConnection {
  const factory = nodeSocketFactory(() => api.cookieHeader());
  return new OfficeConnection({
    url: urls,
    officeId,
    viewport: { cols: 30, rows: 20 },
    socketFactory: (url) => {
      onSocket?.(url);
      return factory(url);
    },
    ...extra,
  });
}

/** The node list a bot uses: its own node first, then the others in order. */
export function urlsFrom(nodes: readonly ClusterNode[], first: number): string[] {
  return nodes.map((_, i) => nodes[(first + i) % nodes.length]!.wsUrl);
}

/** Runs the tasks with at most `limit` in flight. */
export async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export async function readyStatus(node: ClusterNode, timeoutMs = 1500): Promise<number> {
  return fetch(node.url + '/readyz', { signal: AbortSignal.timeout(timeoutMs) }).then(
    (r) => r.status,
    () => 0,
  );
}

// ---- where bots stand ------------------------------------------------------------------------------------------

export interface Walk {
  start: TilePos;
  steps: (TilePos & { dir: Direction })[];
  /** Where the bot stands after its steps: not where it started. */
  end: TilePos;
}

/**
 * Start tiles on a grid (4 apart across, 3 down) with a three-step walk each (right, right, down), every tile
 * walkable and outside any zone. Where they end, no two bots are next to each other, so no walk-up conversation
 * starts and nobody is held back by a room's capacity: the failover, not the conversation rules, is under test.
 * The grid is kept about 60 tiles wide so bots have neighbours in view.
 */
export function planWalks(mapJson: unknown, count: number): Walk[] {
  const map = OfficeMap.fromTiled(mapJson);
  const clear = (x: number, y: number) => map.isWalkable(x, y) && map.zonesAt(x, y).length === 0;
  for (let width = 60; width <= map.width; width += 40) {
    const walks: Walk[] = [];
    for (let y = 4; y + 1 < map.height && walks.length < count; y += 3) {
      for (let x = 4; x + 2 < Math.min(map.width, 4 + width) && walks.length < count; x += 4) {
        if (!clear(x, y) || !clear(x + 1, y) || !clear(x + 2, y) || !clear(x + 2, y + 1)) continue;
        walks.push({
          start: { x, y },
          steps: [{ x: x + 1, y, dir: 'right' }, { x: x + 2, y, dir: 'right' }, { x: x + 2, y: y + 1, dir: 'down' }],
          end: { x: x + 2, y: y + 1 },
        });
      }
    }
    if (walks.length === count) return walks;
  }
  throw new Error(`the map has no room for ${count} walks`);
}

/** Walks a bot along its steps at a pace the server's step limiter accepts. */
export async function walk(conn: OfficeConnection, w: Walk, paceMs = 320): Promise<void> {
  for (let i = 0; i < w.steps.length; i++) {
    const s = w.steps[i]!;
    conn.step(s.x, s.y, s.dir, i < w.steps.length - 1);
    await sleep(paceMs);
  }
}
