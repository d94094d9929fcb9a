import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/**
 * The one typed configuration, read from environment variables at start. A bad value stops the start with a
 * message naming the variable, rather than surfacing later as a confusing runtime fault.
 */
export interface Config {
  port: number;
  host: string;
  /** Where the embedded SQLite database lives. */
  dataDir: string;
  /** postgres://… selects PostgreSQL; unset means the embedded SQLite file under dataDir. */
  databaseUrl: string | undefined;
  /** The address people use to reach the office; invite links are built on it. */
  publicUrl: string;
  tickMs: number;
  stepsPerSecond: number;
  sessionTtlMs: number;
  /** Mark cookies Secure; on by default when publicUrl is https. */
  cookieSecure: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Built web app to serve at /; empty disables it (API-only node). */
  webDist: string;
  /** Create a demo organisation and office on the first start. */
  seedDemo: boolean;
  /** How often live connections' sessions are checked again, so an expired or revoked one is closed. */
  sessionRecheckMs: number;
  /** log2 of scrypt's cost N for new password hashes: 15 (OWASP's minimum) unless a load test lowers it. */
  passwordCost: number;
  /** Sign-in and sign-up attempts allowed per client address per minute. */
  authRateLimitPerMinute: number;
  /**
   * Per-account lock-out: `maxFailures` failed sign-ins, each within `windowMs` of the previous one, lock the account
   * for `lockMs`. The per-address rate limit alone does not stop guesses spread over many addresses.
   */
  signInLockout: { maxFailures: number; windowMs: number; lockMs: number };
  /** A person with no input for this long shows as Away. */
  idleAwayMs: number;
  /** Tiles of margin around the viewport inside which avatars are sent. */
  aoiMarginTiles: number;
  /** Side of an area-of-interest cell in tiles. */
  aoiCellTiles: number;
  /** 'aoi' sends each client what is around its view; 'broadcast' sends everything (only to measure what AOI saves). */
  aoiMode: 'aoi' | 'broadcast';
  /**
   * Organisations up to this many members get the whole People list on every join and every change live; larger ones
   * get it only while the panel is open (sending 10,000 names to 10,000 people on each join does not scale).
   */
  peopleLiveLimit: number;
  /** How long a disconnected avatar's place is kept so a quick reconnect resumes it. */
  resumeGraceMs: number;
  /** Largest walk-up conversation. */
  conversationCap: number;
  /** How long people stand still next to each other before a call starts. */
  conversationStillMs: number;
  /** STUN/TURN servers handed to browsers; empty works on a LAN. */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** TURN with time-limited credentials (the TURN REST scheme coturn implements with use-auth-secret). */
  turn: { urls: string[]; secret: string; ttlSeconds: number } | undefined;
  /**
   * Key that encrypts secrets at rest (cached Microsoft Graph tokens): 32 bytes, base64. Unset in standalone mode
   * means a key file created under dataDir on first start; a cluster or Teams deployment must set it on every node.
   */
  secretsKey: string | undefined;
  /**
   * Serve HTTPS directly (PEM files). Production usually terminates TLS in a proxy instead; Teams mode in development
   * needs https end to end (Teams' sign-in pop-ups and Graph's webhooks refuse plain http).
   */
  tls: { certFile: string; keyFile: string } | undefined;
  /**
   * redis://… : shared budgets (Microsoft Graph limits) across nodes. Together with a PostgreSQL DATABASE_URL it makes
   * this node a cluster member (see `cluster`); unset means in-process.
   */
  redisUrl: string | undefined;
  /**
   * Set when DATABASE_URL is PostgreSQL and REDIS_URL is set: this node is one of several sharing the database and
   * Redis. Office engines are leased, connections are routed to the owner, limits and presence are shared.
   */
  cluster: ClusterConfig | undefined;
  /** Microsoft Teams mode: set when MICROSOFT_CLIENT_ID is set. */
  microsoft: MicrosoftConfig | undefined;
}

export interface MicrosoftConfig {
  /** The Entra app registration's client id; also the audience of Teams SSO tokens. */
  clientId: string;
  clientSecret: string;
  /** https://login.microsoftonline.com by default; another cloud's (or the tests' fake) authority host otherwise. */
  authorityHost: string;
  /** https://graph.microsoft.com/v1.0 by default. */
  graphBaseUrl: string;
  /** The bot's Microsoft app id (defaults to the client id). */
  botId: string;
  /**
   * The Teams app's id (the manifest's `id`), which activity-feed deep links name: TEAMS_APP_ID, or the id
   * `npm run teams:package` derives from the client id and TEAMS_APP_NAME_SUFFIX when it is unset.
   */
  teamsAppId: string;
  /** The bot's client secret, for the Bot Connector's token; the client secret when the bot is the same app. */
  botSecret: string;
  /**
   * Where the bot gets its Bot Connector token (`${authorityHost}/${botTenant}`): `botframework.com` for a
   * multi-tenant bot, the bot's home tenant id for a single-tenant one.
   */
  botTenant: string;
  /** The Bot Framework's OpenID metadata, which publishes the keys that sign the Bot Connector's requests. */
  botOpenIdMetadataUrl: string;
  /**
   * Hosts besides Microsoft's own connectors that an activity's serviceUrl may name (the tests' fake connector):
   * `host`, `host:port` or `*.domain`. The bot sends its connector token only to these and Microsoft's.
   */
  botServiceUrlHosts: string[];
  /**
   * Serve the Teams test host (a page that plays the Teams client for development and the end-to-end tests). Only
   * allowed against a non-Microsoft authority host: it mints sign-in tokens through the fake's test route.
   */
  testHost: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const v = Number(raw);
  if (v < min || v > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ClusterConfig {
  /** This node's name in leases and in the node directory (NODE_ID; default host name and process id). */
  nodeId: string;
  /** Where the other nodes reach this one (NODE_URL; default this machine's loopback and PORT). */
  nodeUrl: string;
  /** Prefix of every Redis key this cluster uses (REDIS_KEY_PREFIX), so several clusters can share one Redis. */
  keyPrefix: string;
  /** How long an office lease lives without renewal: the upper bound on failover time (OFFICE_LEASE_MS). */
  leaseTtlMs: number;
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST?.trim() || '0.0.0.0';
  const dataDir = resolve(cwd, env.DATA_DIR?.trim() || 'data');

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite database)');
  }

  const publicUrl = (env.PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an http(s) URL, got "${publicUrl}"`);
  }

  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  let iceServers: Config['iceServers'] = [];
  const iceRaw = env.ICE_SERVERS?.trim();
  if (iceRaw) {
    if (iceRaw.startsWith('[')) {
      try {
        const parsed = JSON.parse(iceRaw) as unknown;
        if (!Array.isArray(parsed) || !parsed.every((s) => s && typeof s === 'object' && (typeof s.urls === 'string' || Array.isArray(s.urls)))) throw new Error();
        iceServers = parsed as Config['iceServers'];
      } catch {
        throw new ConfigError('ICE_SERVERS', 'must be a JSON array of {urls, username?, credential?} or a comma-separated list of stun:/turn: URLs');
      }
    } else {
      const urls = iceRaw.split(',').map((u) => u.trim()).filter(Boolean);
      const bad = urls.find((u) => !/^(stun|stuns|turn|turns):/.test(u));
      if (bad) throw new ConfigError('ICE_SERVERS', `"${bad}" is not a stun: or turn: URL`);
      iceServers = urls.map((urls) => ({ urls }));
    }
  }
  let turn: Config['turn'];
  const turnUrls = env.TURN_URLS?.trim();
  if (turnUrls) {
    const secret = env.TURN_SECRET?.trim();
    if (!secret) throw new ConfigError('TURN_SECRET', 'is required when TURN_URLS is set (the shared secret of coturn\'s use-auth-secret)');
    const urls = turnUrls.split(',').map((u) => u.trim()).filter(Boolean);
    const bad = urls.find((u) => !/^turns?:/.test(u));
    if (bad) throw new ConfigError('TURN_URLS', `"${bad}" is not a turn: or turns: URL`);
    turn = { urls, secret, ttlSeconds: int(env, 'TURN_TTL_SECONDS', 3600, 60, 86_400) };
  }

  const microsoft = microsoftConfig(env);
  const secretsKey = env.SECRETS_KEY?.trim() || undefined;
  if (secretsKey !== undefined && Buffer.from(secretsKey, 'base64').length !== 32) {
    throw new ConfigError('SECRETS_KEY', 'must be 32 random bytes in base64 (openssl rand -base64 32)');
  }

  const webDistDefault = resolve(new URL('.', import.meta.url).pathname, '../../web/dist');
  return {
    port,
    host,
    dataDir,
    databaseUrl,
    publicUrl,
    tickMs: int(env, 'TICK_MS', 100, 20, 1000),
    stepsPerSecond: int(env, 'STEPS_PER_SECOND', 4, 1, 20),
    sessionTtlMs: int(env, 'SESSION_TTL_HOURS', 24 * 30, 1, 24 * 365) * 3_600_000,
    cookieSecure: bool(env, 'COOKIE_SECURE', publicUrl.startsWith('https:')),
    logLevel,
    webDist: env.WEB_DIST === undefined ? webDistDefault : env.WEB_DIST.trim() && resolve(cwd, env.WEB_DIST.trim()),
    seedDemo: bool(env, 'SEED_DEMO', true),
    passwordCost: int(env, 'PASSWORD_COST', 15, 10, 20),
    sessionRecheckMs: int(env, 'SESSION_RECHECK_SECONDS', 30, 1, 3600) * 1000,
    authRateLimitPerMinute: int(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 60, 1, 100_000),
    signInLockout: (() => {
      const lockMs = int(env, 'SIGNIN_LOCKOUT_MINUTES', 15, 1, 24 * 60) * 60_000;
      return { maxFailures: int(env, 'SIGNIN_LOCKOUT_ATTEMPTS', 10, 3, 1000), windowMs: lockMs, lockMs };
    })(),
    idleAwayMs: int(env, 'IDLE_AWAY_SECONDS', 300, 5, 86_400) * 1000,
    aoiMarginTiles: int(env, 'AOI_MARGIN_TILES', 4, 0, 50),
    aoiCellTiles: int(env, 'AOI_CELL_TILES', 10, 2, 50),
    aoiMode: (() => {
      const v = env.AOI_MODE?.trim() || 'aoi';
      if (v !== 'aoi' && v !== 'broadcast') throw new ConfigError('AOI_MODE', 'must be aoi or broadcast');
      return v;
    })(),
    peopleLiveLimit: int(env, 'PEOPLE_LIVE_LIMIT', 500, 0, 1_000_000),
    resumeGraceMs: int(env, 'RESUME_GRACE_SECONDS', 60, 0, 3600) * 1000,
    conversationCap: int(env, 'CONVERSATION_CAP', 6, 2, 50),
    conversationStillMs: int(env, 'CONVERSATION_STILL_MS', 300, 0, 5000),
    iceServers,
    turn,
    secretsKey,
    tls: (() => {
      const certFile = env.TLS_CERT_FILE?.trim();
      const keyFile = env.TLS_KEY_FILE?.trim();
      if (!certFile && !keyFile) return undefined;
      if (!certFile) throw new ConfigError('TLS_CERT_FILE', 'is required when TLS_KEY_FILE is set');
      if (!keyFile) throw new ConfigError('TLS_KEY_FILE', 'is required when TLS_CERT_FILE is set');
      for (const [name, file] of [['TLS_CERT_FILE', certFile], ['TLS_KEY_FILE', keyFile]] as const) {
        if (!existsSync(resolve(cwd, file))) throw new ConfigError(name, `no file at ${resolve(cwd, file)}`);
      }
      return { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) };
    })(),
    redisUrl: (() => {
      const v = env.REDIS_URL?.trim() || undefined;
      if (v && !/^rediss?:\/\//.test(v)) throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
      return v;
    })(),
    microsoft,
    cluster: clusterConfig(env, databaseUrl, port, host),
  };
}

function clusterConfig(env: Env, databaseUrl: string | undefined, port: number, host: string): ClusterConfig | undefined {
  const redisUrl = env.REDIS_URL?.trim();
  for (const name of ['NODE_ID', 'NODE_URL', 'REDIS_KEY_PREFIX', 'OFFICE_LEASE_MS']) {
    if (env[name]?.trim() && (!redisUrl || !databaseUrl)) throw new ConfigError(name, 'only applies to a cluster node: set both DATABASE_URL (PostgreSQL) and REDIS_URL');
  }
  if (!redisUrl || !databaseUrl) return undefined;
  const nodeId = env.NODE_ID?.trim() || `${hostname().replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 40)}-${process.pid}`;
  // The id is part of lease values ("node:token") and Redis keys.
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) throw new ConfigError('NODE_ID', 'must be 1–64 letters, digits, dots, dashes or underscores');
  const tls = !!env.TLS_CERT_FILE?.trim();
  const loopback = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const rawUrl = (env.NODE_URL?.trim() || `${tls ? 'https' : 'http'}://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`).replace(/\/$/, '');
  let nodeUrl: URL;
  try {
    nodeUrl = new URL(rawUrl);
  } catch {
    throw new ConfigError('NODE_URL', `must be an http(s) URL other nodes can reach, got "${rawUrl}"`);
  }
  if (nodeUrl.protocol !== 'http:' && nodeUrl.protocol !== 'https:') throw new ConfigError('NODE_URL', `must be an http(s) URL, got "${rawUrl}"`);
  const keyPrefix = env.REDIS_KEY_PREFIX?.trim() || 'metaoffice:';
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(keyPrefix)) throw new ConfigError('REDIS_KEY_PREFIX', 'must be 1–64 letters, digits, colons, dots, dashes or underscores');
  return { nodeId, nodeUrl: rawUrl, keyPrefix, leaseTtlMs: int(env, 'OFFICE_LEASE_MS', 9000, 2000, 60_000) };
}

function httpsUrl(env: Env, name: string, def: string): string {
  const raw = (env[name]?.trim() || def).replace(/\/$/, '');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an https URL, got "${raw}"`);
  }
  // Tokens travel to these hosts; plain http would hand them to anyone on the path.
  if (u.protocol !== 'https:') throw new ConfigError(name, `must be an https URL, got "${raw}"`);
  return raw;
}

function microsoftConfig(env: Env): MicrosoftConfig | undefined {
  const clientId = env.MICROSOFT_CLIENT_ID?.trim();
  if (!clientId) {
    if (env.MICROSOFT_CLIENT_SECRET?.trim()) throw new ConfigError('MICROSOFT_CLIENT_ID', 'is required when MICROSOFT_CLIENT_SECRET is set');
    return undefined;
  }
  if (!GUID.test(clientId)) {
    throw new ConfigError('MICROSOFT_CLIENT_ID', `must be the app registration's GUID, got "${clientId}"`);
  }
  const clientSecret = env.MICROSOFT_CLIENT_SECRET?.trim();
  if (!clientSecret) throw new ConfigError('MICROSOFT_CLIENT_SECRET', 'is required when MICROSOFT_CLIENT_ID is set (Teams mode)');
  const authorityHost = httpsUrl(env, 'MICROSOFT_AUTHORITY_HOST', 'https://login.microsoftonline.com');
  const graphBaseUrl = httpsUrl(env, 'MICROSOFT_GRAPH_BASE_URL', 'https://graph.microsoft.com/v1.0');
  const botId = env.MICROSOFT_BOT_ID?.trim() || clientId;
  if (!GUID.test(botId)) throw new ConfigError('MICROSOFT_BOT_ID', `must be the bot's Microsoft app id (a GUID), got "${botId}"`);
  const botSecret = env.MICROSOFT_BOT_SECRET?.trim() || (botId.toLowerCase() === clientId.toLowerCase() ? clientSecret : '');
  if (!botSecret) throw new ConfigError('MICROSOFT_BOT_SECRET', 'is required when MICROSOFT_BOT_ID is another app than MICROSOFT_CLIENT_ID');
  const botTenant = env.MICROSOFT_BOT_TENANT?.trim() || 'botframework.com';
  if (botTenant.toLowerCase() !== 'botframework.com' && !GUID.test(botTenant)) {
    throw new ConfigError('MICROSOFT_BOT_TENANT', `must be botframework.com (multi-tenant bot) or the bot's home tenant id (single-tenant), got "${botTenant}"`);
  }
  const botOpenIdMetadataUrl = httpsUrl(env, 'MICROSOFT_BOT_OPENID_METADATA', 'https://login.botframework.com/v1/.well-known/openidconfiguration');
  const botServiceUrlHosts = (env.MICROSOFT_BOT_SERVICE_URL_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const host of botServiceUrlHosts) {
    if (!SERVICE_URL_HOST.test(host)) throw new ConfigError('MICROSOFT_BOT_SERVICE_URL_HOSTS', `must list hosts as host, host:port or *.domain (no scheme or path), got "${host}"`);
  }
  const testHost = bool(env, 'TEAMS_TEST_HOST', false);
  if (testHost && /(^|\.)(microsoftonline\.(com|us)|chinacloudapi\.cn|microsoftonline\.de)$/i.test(new URL(authorityHost).hostname)) {
    throw new ConfigError('TEAMS_TEST_HOST', 'is only for a fake authority host (development and tests), never against Microsoft');
  }
  const teamsAppId = env.TEAMS_APP_ID?.trim() || deriveTeamsAppId(clientId, env.TEAMS_APP_NAME_SUFFIX?.trim() || undefined);
  if (!GUID.test(teamsAppId)) throw new ConfigError('TEAMS_APP_ID', `must be the Teams app's id (a GUID), got "${teamsAppId}"`);
  return { clientId, clientSecret, authorityHost, graphBaseUrl, botId, teamsAppId: teamsAppId.toLowerCase(), botSecret, botTenant, botOpenIdMetadataUrl, botServiceUrlHosts, testHost };
}

/**
 * The Teams app id the package builder derives when TEAMS_APP_ID is unset (teams/src/manifest.ts deriveAppId, kept
 * equal by a test): a name-based UUID of the client id and the name suffix.
 */
export function deriveTeamsAppId(clientId: string, nameSuffix: string | undefined): string {
  const digest = createHash('sha1').update(`metaoffice-teams-app:${clientId.toLowerCase()}:${nameSuffix ?? ''}`).digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A DNS name or IPv4 address, optionally `*.`-prefixed, optionally with a port. */
const SERVICE_URL_HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
