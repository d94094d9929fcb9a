import { ManifestOptionsError, parsePublicUrl, type ManifestOptions } from './manifest.js';

/** Used by `--dev` when PUBLIC_URL is unset: the server's default local address. */
export const DEV_PUBLIC_URL = 'http://localhost:8080';
/**
 * Used by `--dev` when MICROSOFT_CLIENT_ID is unset. A fixed, obviously-fake id (no such app registration exists), so
 * a dev package can be built and inspected without an Entra app; it cannot sign anyone in against Microsoft.
 */
export const DEV_CLIENT_ID = '00000000-0000-4000-8000-00000000d3e0';
export const DEV_NAME_SUFFIX = 'dev';

export type Env = Readonly<Record<string, string | undefined>>;

export interface PackageConfig {
  options: ManifestOptions;
  /** Where to write the zip; undefined means the default teams/build/metaoffice-teams.zip. */
  out: string | undefined;
  /** Things the person running the packager should know, e.g. which dev defaults were used. */
  notices: string[];
}

function parseArgs(args: readonly string[]): { dev: boolean; out: string | undefined } {
  let dev = false;
  let out: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--dev') dev = true;
    else if (arg === '--out') {
      out = args[++index];
      if (!out) throw new ManifestOptionsError('--out', 'needs a file path');
    } else throw new ManifestOptionsError(String(arg), 'is not an option (use --dev and/or --out <file.zip>)');
  }
  return { dev, out };
}

function setting(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/**
 * Reads the packager's configuration from the environment and command line. PUBLIC_URL and MICROSOFT_CLIENT_ID are
 * required; `--dev` fills in local defaults for whichever is missing (a value that is set is still checked).
 */
export function readPackageConfig(env: Env, args: readonly string[], version: string): PackageConfig {
  const { dev, out } = parseArgs(args);
  const notices: string[] = [];

  let publicUrl = setting(env, 'PUBLIC_URL');
  if (!publicUrl) {
    if (!dev) throw new ManifestOptionsError('PUBLIC_URL', 'is required: the https address the server is reached at');
    publicUrl = DEV_PUBLIC_URL;
    notices.push(`--dev: PUBLIC_URL is not set, using ${DEV_PUBLIC_URL}`);
  }
  if (parsePublicUrl(publicUrl).protocol === 'http:') {
    notices.push(`PUBLIC_URL ${publicUrl} is plain http: fine for inspecting the package, but Teams only loads https tabs`);
  }

  let clientId = setting(env, 'MICROSOFT_CLIENT_ID');
  if (!clientId) {
    if (!dev) throw new ManifestOptionsError('MICROSOFT_CLIENT_ID', 'is required: the Entra app registration id (a GUID)');
    clientId = DEV_CLIENT_ID;
    notices.push(`--dev: MICROSOFT_CLIENT_ID is not set, using the placeholder dev client id ${DEV_CLIENT_ID}`);
  }

  let nameSuffix = setting(env, 'TEAMS_APP_NAME_SUFFIX');
  if (!nameSuffix && dev) {
    nameSuffix = DEV_NAME_SUFFIX;
    notices.push(`--dev: the app is named with the suffix "(${DEV_NAME_SUFFIX})"`);
  }

  return {
    options: {
      publicUrl,
      clientId,
      botId: setting(env, 'MICROSOFT_BOT_ID'),
      appId: setting(env, 'TEAMS_APP_ID'),
      version,
      nameSuffix,
    },
    out,
    notices,
  };
}
