import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { openStore, type Store } from './storage/index.js';
import { buildApp, type App } from './http/app.js';
import { seedDemo } from './seed.js';
import { BullJobs, InProcessJobs, type BackgroundJobs } from './cluster/background-jobs.js';

export interface RunningServer extends App {
  url: string;
  close(): Promise<void>;
}

/** Opens storage, migrates, seeds, and listens. Used by main.ts and by the integration tests. */
export async function startServer(config: Config, opts: { logger?: boolean; logStream?: DestinationStream; store?: Store } = {}): Promise<RunningServer> {
  const store = opts.store ?? (await openStore({ databaseUrl: config.databaseUrl, sqlitePath: join(config.dataDir, 'metaoffice.db') }));
  await store.migrate();
  if (config.seedDemo) await seedDemo(store);
  const app = await buildApp(config, store, opts);
  await app.http.listen({ port: config.port, host: config.host });
  const addr = app.http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  // A node on an ephemeral port (tests) can only announce its address once it listens.
  if (config.cluster) await app.coordination.start(config.cluster.nodeUrl.endsWith(':0') ? url : config.cluster.nodeUrl);
  // Periodic work on shared data runs once per period for the whole cluster, on whichever node is free.
  const jobs: BackgroundJobs = config.cluster && config.redisUrl
    ? new BullJobs({ redisUrl: config.redisUrl, prefix: `${config.cluster.keyPrefix.replace(/:$/, '')}:jobs`, nodeId: config.cluster.nodeId, log: app.http.log })
    : new InProcessJobs({ log: app.http.log });
  jobs.every('sessions.sweep', 3_600_000, async () => {
    await store.sessions.deleteExpired(Date.now());
  });
  try {
    await jobs.start();
  } catch (err) {
    await app.http.close();
    if (!opts.store) await store.close();
    throw err;
  }
  let closed = false;
  return {
    // `store` is the app's: writes through it drop cached copies like the API's own writes.
    ...app,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.close();
      await app.http.close();
      if (!opts.store) await store.close();
    },
  };
}
