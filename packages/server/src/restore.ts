import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { BackupError, restore } from './ops/backup.js';

// npm run restore -- --in FILE [--force]: puts a backup in place of the configured database. Stop the server first.
let args: { in?: string; force?: boolean } = {};
try {
  args = parseArgs({ options: { in: { type: 'string' }, force: { type: 'boolean' } } }).values;
} catch (err) {
  console.error((err as Error).message);
}
if (!args.in) {
  console.error('usage: npm run restore -- --in FILE [--force]   (stop the server first; writes to DATA_DIR or DATABASE_URL)');
  process.exit(2);
}
try {
  const r = await restore(loadConfig(), args.in, { force: args.force });
  console.log(`restored ${r.file} into the ${r.dialect} database`);
} catch (err) {
  if (err instanceof BackupError || err instanceof ConfigError) {
    console.error(`restore failed: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
