import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`MetaOffice cannot start: bad configuration: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const server = await startServer(config);
server.http.log.info(`MetaOffice is running: open ${config.publicUrl} (storage: ${server.store.dialect})`);
if (!process.env.CI) console.log(`\n  MetaOffice is running at ${config.publicUrl}\n`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    server.http.log.info({ sig }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
