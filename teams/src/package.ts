/**
 * `npm run teams:package [-- --dev] [-- --out file.zip]`: builds, validates and writes the Teams app package
 * (teams/build/metaoffice-teams.zip by default). An invalid package is never written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppPackage, InvalidPackageError, zipPackage } from './bundle.js';
import { readPackageConfig } from './config.js';
import { ManifestOptionsError } from './manifest.js';

const DEFAULT_OUT = fileURLToPath(new URL('../build/metaoffice-teams.zip', import.meta.url));
const ROOT_PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/** The app version follows the repository's version; the repository has none yet, hence 1.0.0. */
function repositoryVersion(): string {
  const { version } = JSON.parse(readFileSync(ROOT_PACKAGE_JSON, 'utf8')) as { version?: unknown };
  return typeof version === 'string' && version ? version : '1.0.0';
}

async function main(): Promise<void> {
  const config = readPackageConfig(process.env, process.argv.slice(2), repositoryVersion());
  for (const notice of config.notices) console.warn(`teams:package: ${notice}`);
  const appPackage = buildAppPackage(config.options);
  const zip = await zipPackage(appPackage.files);
  const out = config.out ? resolve(config.out) : DEFAULT_OUT;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zip);
  const { manifest } = appPackage;
  console.log(
    [
      `teams:package: wrote ${out} (${zip.length} bytes)`,
      `  app "${manifest.name.short}" ${manifest.version}, id ${manifest.id}, manifest schema ${manifest.manifestVersion}`,
      `  validDomains ${JSON.stringify(manifest.validDomains)}, SSO resource ${manifest.webApplicationInfo?.resource}`,
      `  files: ${appPackage.files.map((file) => file.name).join(', ')}`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ManifestOptionsError || error instanceof InvalidPackageError) {
    console.error(`teams:package: ${error.message}`);
  } else {
    console.error('teams:package: failed:', error);
  }
  process.exitCode = 1;
});
