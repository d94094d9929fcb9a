import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, OfficeConnection, type ConnectionEvents } from '@metaoffice/client';
import { nodeSocketFactory } from '@metaoffice/client/node';
import type { DestinationStream } from 'pino';
import { loadConfig, startServer, type RunningServer } from '../index.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one administrative statement on the test PostgreSQL (creating and dropping per-run schemas and databases). */
export async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface Harness {
  server: RunningServer;
  dataDir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A real server on a free port, over real SQLite in a temp folder (or PostgreSQL with a private schema). */
export async function startHarness(
  env: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'mo-test-')),
  opts: { logStream?: DestinationStream } = {},
): Promise<Harness> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, WEB_DIST: '', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', AUTH_RATE_LIMIT_PER_MINUTE: '1000', ...env });
  const h: Harness = {
    server: await startServer(config, { logger: !!process.env.TEST_LOG_LEVEL || !!opts.logStream, logStream: opts.logStream }),
    dataDir,
    async restart() {
      const port = new URL(h.server.url).port;
      await h.server.close();
      h.server = await startServer({ ...config, port: Number(port) }, { logger: false });
    },
    async stop() {
      await h.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

let counter = 0;
export function uniqueEmail(tag: string): string {
  return `${tag}.${process.pid}.${Date.now()}.${counter++}@example.test`;
}

export function apiFor(h: Harness): ApiClient {
  return new ApiClient({ baseUrl: h.server.url, cookieJar: true });
}

export function connect(h: Harness, api: ApiClient, officeId: string, extra: Partial<ConstructorParameters<typeof OfficeConnection>[0]> = {}): OfficeConnection {
  const conn = new OfficeConnection({
    url: h.server.url.replace(/^http/, 'ws') + '/ws',
    officeId,
    viewport: { cols: 30, rows: 20 },
    socketFactory: nodeSocketFactory(() => api.cookieHeader()),
    reconnect: { minMs: 50, maxMs: 500 },
    ...extra,
  });
  conn.connect();
  return conn;
}

/** Resolves with the first event of that kind satisfying the predicate, or rejects after a timeout. */
export function waitFor<K extends keyof ConnectionEvents>(
  conn: OfficeConnection,
  event: K,
  pred: (...args: Parameters<ConnectionEvents[K]>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Parameters<ConnectionEvents[K]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, timeoutMs);
    const off = conn.on(event, ((...args: Parameters<ConnectionEvents[K]>) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    }) as ConnectionEvents[K]);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until a condition on the client's mirror holds. Prefer it to waiting for an event: `ws` can deliver several
 * frames in one turn, so an event may fire before a listener registered after an `await` exists.
 */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function sees(conn: OfficeConnection, userId: string): boolean {
  return [...conn.avatars.values()].some((a) => a.userId === userId);
}
