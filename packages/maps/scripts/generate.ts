// Regenerates the package's art and templates: `npx tsx packages/maps/scripts/generate.ts`.
// Output is deterministic; commit it (nothing is generated at install time).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAll } from './lib/outputs.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

for (const [rel, bytes] of generateAll()) {
  const path = join(packageRoot, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  console.log(`wrote ${rel} (${bytes.length} bytes)`);
}
