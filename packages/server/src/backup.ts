import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { BackupError, backup } from './ops/backup.js';

// npm run backup -- --out FILE: a consistent copy of the database named by DATA_DIR / DATABASE_URL, taken while
// the server runs.
let out: string | undefined;
try {
  out = parseArgs({ options: { out: { type: 'string' } } }).values.out;
} catch (err) {
  console.error((err as Error).message);
}
if (!out) {
  console.error('usage: npm run backup -- --out FILE   (reads DATA_DIR or DATABASE_URL like the server)');
  process.exit(2);
}
try {
  const r = await backup(loadConfig(), out);
  console.log(`backup written: ${r.file} (${r.dialect}, ${r.bytes} bytes)`);
} catch (err) {
  if (err instanceof BackupError || err instanceof ConfigError) {
    console.error(`backup failed: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
