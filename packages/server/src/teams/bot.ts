import { ConfidentialClientApplication } from '@azure/msal-node';
import { Type, type Static } from '@sinclair/typebox';
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK, type JWTHeaderParameters } from 'jose';

/** The issuer of every token the Bot Connector service sends to a bot (commercial cloud). */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
/** What a bot asks Entra for to call the Bot Connector. */
export const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com/.default';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/**
 * Where Microsoft's channels have the bot reply: Teams' connector (by region under smba.trafficmanager.net, and the
 * government clouds' own hosts) and the Bot Framework's other channels. A serviceUrl elsewhere never gets a token.
 */
export const MICROSOFT_SERVICE_URL_HOSTS = [
  'smba.trafficmanager.net',
  '*.botframework.com',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
] as const;
/** The Bot Framework documents a five-minute clock skew allowance. */
const CLOCK_TOLERANCE_SEC = 5 * 60;
/** Keys are re-read daily, or sooner when a token names a key we do not know (rollover), at most every 5 minutes. */
const KEYS_MAX_AGE_MS = 24 * 60 * 60_000;
const KEYS_REFRESH_COOLDOWN_MS = 5 * 60_000;
const KEYS_RETRY_AFTER_FAILURE_MS = 30_000;
const MAX_KEYS = 100;

// ---- the activity ---------------------------------------------------------------------------------------------------

const Text = (maxLength: number) => Type.String({ maxLength });
const Id = Type.String({ minLength: 1, maxLength: 512 });
const ChannelAccount = Type.Object({ id: Id, name: Type.Optional(Text(256)), aadObjectId: Type.Optional(Text(64)) });

/**
 * The fields of a Bot Framework activity the bot reads, bounded. Other fields (entities, locale, attachments of a
 * message, …) pass unread: Microsoft adds fields over time, and the body limit bounds them.
 */
export const BotActivity = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64 }),
    id: Type.Optional(Text(512)),
    channelId: Type.String({ minLength: 1, maxLength: 64 }),
    serviceUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    from: Type.Optional(ChannelAccount),
    recipient: ChannelAccount,
    conversation: Type.Object({ id: Id, tenantId: Type.Optional(Text(64)), conversationType: Type.Optional(Text(64)), isGroup: Type.Optional(Type.Boolean()) }),
    membersAdded: Type.Optional(Type.Array(ChannelAccount, { maxItems: 256 })),
    membersRemoved: Type.Optional(Type.Array(ChannelAccount, { maxItems: 256 })),
    text: Type.Optional(Text(28_000)),
    channelData: Type.Optional(
      Type.Object({
        team: Type.Optional(Type.Object({ id: Id, name: Type.Optional(Text(256)), aadGroupId: Type.Optional(Text(64)) })),
        tenant: Type.Optional(Type.Object({ id: Text(64) })),
        eventType: Type.Optional(Text(64)),
      }),
    ),
  },
  { description: 'A Bot Framework activity (Teams channel).' },
);
export type BotActivity = Static<typeof BotActivity>;

// ---- the Bot Connector's token --------------------------------------------------------------------------------------

export type BotTokenRejection =
  | 'missing'
  | 'malformed'
  | 'bad_issuer'
  | 'bad_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'not_endorsed'
  | 'service_url_mismatch'
  | 'keys_unavailable';

/** A request we cannot believe came from the Bot Connector; the reason is counted, the token never logged. */
export class BotTokenError extends Error {
  override name = 'BotTokenError';
  constructor(
    readonly reason: BotTokenRejection,
    message: string,
  ) {
    super(message);
  }
}

/** What a valid Bot Connector token says: the serviceUrl it was issued for and the channels its key may sign for. */
export interface BotCaller {
  serviceUrl: string;
  endorsements: readonly string[];
}

export interface BotTokenValidatorOptions {
  /** https://login.botframework.com/v1/.well-known/openidconfiguration, or the fake's. */
  openIdMetadataUrl: string;
  /** The bot's Microsoft app id: the tokens' audience. */
  botId: string;
  fetchJson?: (url: string) => Promise<unknown>;
  now?: () => number;
}

/**
 * Checks the JWT the Bot Connector sends with each activity, as "Authenticate requests from the Bot Connector service"
 * lists: issuer https://api.botframework.com, audience the bot's app id, within its lifetime (5 minutes of skew),
 * RS256-signed by a key the Bot Framework's OpenID metadata publishes; then, against the activity, that the key is
 * endorsed for its channel and that the token's `serviceurl` is the activity's serviceUrl.
 */
export class BotTokenValidator {
  private readonly keys: BotFrameworkKeys;
  private readonly now: () => number;

  constructor(private readonly opts: BotTokenValidatorOptions) {
    this.now = opts.now ?? Date.now;
    this.keys = new BotFrameworkKeys(opts.openIdMetadataUrl, opts.fetchJson ?? fetchJson, this.now);
  }

  /** The token's claims that the activity must then match (see `checkActivity`); BotTokenError otherwise. */
  async validate(authorization: string | undefined): Promise<BotCaller> {
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new BotTokenError('missing', 'The request carries no Bot Framework token.');
    let header: JWTHeaderParameters;
    try {
      header = decodeProtectedHeader(token) as JWTHeaderParameters;
    } catch {
      throw new BotTokenError('malformed', 'The Bot Framework token is not a JWT.');
    }
    if (typeof header.kid !== 'string' || header.kid === '') throw new BotTokenError('malformed', 'The Bot Framework token names no signing key.');
    const key = await this.keys.key(header.kid);
    if (!key) throw new BotTokenError('bad_signature', 'The Bot Framework token was signed by a key the Bot Framework does not publish.');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await importJWK({ kty: key.kty, n: key.n, e: key.e }, 'RS256'), {
        issuer: BOT_FRAMEWORK_ISSUER,
        audience: this.opts.botId,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SEC,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw rejection(err);
    }
    const serviceUrl = payload.serviceurl;
    if (typeof serviceUrl !== 'string' || serviceUrl === '') throw new BotTokenError('service_url_mismatch', 'The Bot Framework token names no serviceurl.');
    return { serviceUrl, endorsements: Array.isArray(key.endorsements) ? key.endorsements.filter((e): e is string => typeof e === 'string') : [] };
  }

  /** The activity must come from a channel the signing key is endorsed for, and carry the token's serviceUrl. */
  checkActivity(caller: BotCaller, activity: Pick<BotActivity, 'channelId' | 'serviceUrl'>): void {
    if (!caller.endorsements.includes(activity.channelId)) throw new BotTokenError('not_endorsed', `The Bot Framework key is not endorsed for the ${activity.channelId} channel.`);
    if (caller.serviceUrl !== activity.serviceUrl) throw new BotTokenError('service_url_mismatch', 'The activity\'s serviceUrl is not the one its token was issued for.');
  }
}

type EndorsedJwk = JWK & { kid: string; endorsements?: unknown };

/** The Bot Framework's published signing keys: metadata → jwks_uri → keys, cached. */
class BotFrameworkKeys {
  private byKid = new Map<string, EndorsedJwk>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  /** A stream of tokens naming unknown keys must not become a stream of fetches. */
  private nextAttemptAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly metadataUrl: string,
    private readonly fetchJson: (url: string) => Promise<unknown>,
    private readonly now: () => number,
  ) {}

  async key(kid: string): Promise<EndorsedJwk | undefined> {
    const now = this.now();
    const wanted = now - this.fetchedAt > KEYS_MAX_AGE_MS || !this.byKid.has(kid);
    if (this.refreshing || (wanted && now >= this.nextAttemptAt)) {
      try {
        await this.refresh();
      } catch (err) {
        // Keys we already hold still verify while the metadata is unreachable.
        if (!this.byKid.has(kid)) throw new BotTokenError('keys_unavailable', `The Bot Framework's signing keys could not be read (${(err as Error).message}).`);
      }
    }
    return this.byKid.get(kid);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.read().then(
      (byKid) => {
        this.byKid = byKid;
        this.fetchedAt = this.now();
        this.nextAttemptAt = this.fetchedAt + KEYS_REFRESH_COOLDOWN_MS;
        this.refreshing = undefined;
      },
      (err: unknown) => {
        this.nextAttemptAt = this.now() + KEYS_RETRY_AFTER_FAILURE_MS;
        this.refreshing = undefined;
        throw err;
      },
    );
    return this.refreshing;
  }

  private async read(): Promise<Map<string, EndorsedJwk>> {
    const metadata = (await this.fetchJson(this.metadataUrl)) as { jwks_uri?: unknown } | null;
    const jwksUri = typeof metadata?.jwks_uri === 'string' ? new URL(metadata.jwks_uri) : undefined;
    if (jwksUri?.protocol !== 'https:') throw new Error('the metadata names no https jwks_uri');
    const jwks = (await this.fetchJson(jwksUri.toString())) as { keys?: unknown } | null;
    if (!Array.isArray(jwks?.keys)) throw new Error('the key set has no keys');
    const byKid = new Map<string, EndorsedJwk>();
    for (const k of jwks.keys.slice(0, MAX_KEYS) as EndorsedJwk[]) {
      if (k && typeof k.kid === 'string' && k.kty === 'RSA' && typeof k.n === 'string' && typeof k.e === 'string') byKid.set(k.kid, k);
    }
    return byKid;
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!res.ok) throw new Error(`${new URL(url).host} answered ${res.status}`);
  return res.json();
}

function rejection(err: unknown): BotTokenError {
  if (err instanceof BotTokenError) return err;
  if (err instanceof errors.JWTExpired) return new BotTokenError('expired', 'The Bot Framework token has expired.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new BotTokenError('bad_issuer', 'The token was not issued by the Bot Framework.');
    if (err.claim === 'aud') return new BotTokenError('bad_audience', 'The Bot Framework token was issued for another bot.');
    if (err.claim === 'nbf' || err.claim === 'iat') return new BotTokenError('not_yet_valid', 'The Bot Framework token is not valid yet.');
    return new BotTokenError('malformed', `The Bot Framework token's ${err.claim} claim is missing or wrong.`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed) {
    return new BotTokenError('bad_signature', 'The Bot Framework token\'s signature is not valid.');
  }
  return new BotTokenError('malformed', 'The Bot Framework token is not valid.');
}

// ---- where replies may go -------------------------------------------------------------------------------------------

/**
 * Whether the bot may send its connector token to this serviceUrl: https, on one of Microsoft's connector hosts or a
 * configured extra one (`host` matches only the default port, `host:port` that port, `*.domain` any subdomain).
 */
export function isAllowedServiceUrl(serviceUrl: string, extraHosts: readonly string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  return [...MICROSOFT_SERVICE_URL_HOSTS, ...extraHosts].some((pattern) => hostMatches(url, pattern.toLowerCase()));
}

function hostMatches(url: URL, pattern: string): boolean {
  const colon = pattern.lastIndexOf(':');
  const [name, port] = colon > 0 ? [pattern.slice(0, colon), pattern.slice(colon + 1)] : [pattern, ''];
  if (url.port !== port) return false;
  const host = url.hostname.toLowerCase();
  return name.startsWith('*.') ? host.endsWith(name.slice(1)) && host.length > name.length - 1 : host === name;
}

// ---- the welcome --------------------------------------------------------------------------------------------------

/** The bot was just added to a team: a conversationUpdate in a team whose membersAdded holds the bot itself. */
export function isTeamInstall(activity: BotActivity): boolean {
  return activity.type === 'conversationUpdate' && !!activity.channelData?.team?.id && (activity.membersAdded ?? []).some((m) => m.id === activity.recipient.id);
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: Record<string, unknown>[];
  actions: Record<string, unknown>[];
}

/** The card the bot posts in a team that just added MetaOffice: what it is, how to add the office tab, a way in. */
export function welcomeCard(opts: { publicUrl: string; teamName?: string | undefined }): AdaptiveCard {
  const team = opts.teamName?.trim() ? opts.teamName.trim() : 'your team';
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Welcome to MetaOffice', size: 'Large', weight: 'Bolder', wrap: true, style: 'heading' },
      {
        type: 'TextBlock',
        wrap: true,
        text: `MetaOffice is a virtual office for ${team}: everyone has an avatar on a shared map of the office. Walk up to colleagues to start a conversation, see who is free from their Microsoft 365 presence, and move a conversation into a Teams meeting when you need to share a screen.`,
      },
      { type: 'TextBlock', text: 'Add the office to a channel', weight: 'Bolder', wrap: true, spacing: 'Medium' },
      {
        type: 'TextBlock',
        wrap: true,
        text: '1. Open the channel where the team meets and select **+** (Add a tab).\n2. Choose **MetaOffice**.\n3. Give the office a name and a description, then **Save**. Everyone in the team can walk in.',
      },
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open MetaOffice', url: `${opts.publicUrl}/` }],
  };
}

/** The reply activity that carries the welcome card into the conversation the install came from. */
export function welcomeActivity(install: BotActivity, publicUrl: string): Record<string, unknown> {
  return {
    type: 'message',
    from: { id: install.recipient.id, ...(install.recipient.name ? { name: install.recipient.name } : {}) },
    conversation: { id: install.conversation.id },
    summary: 'Welcome to MetaOffice',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: welcomeCard({ publicUrl, teamName: install.channelData?.team?.name }) }],
  };
}

// ---- the connector ------------------------------------------------------------------------------------------------

/** The Bot Connector refused the bot's activity, or could not be reached. */
export class BotConnectorError extends Error {
  override name = 'BotConnectorError';
}

export interface BotConnectorOptions {
  botId: string;
  botSecret: string;
  authorityHost: string;
  /** `botframework.com` (multi-tenant bot) or the bot's home tenant id (single-tenant). */
  tenant: string;
}

/** Sends activities through the Bot Connector REST API with an app token from MSAL's client-credentials flow. */
export class BotConnector {
  private readonly msal: ConfidentialClientApplication;

  constructor(opts: BotConnectorOptions) {
    this.msal = new ConfidentialClientApplication({
      auth: { clientId: opts.botId, clientSecret: opts.botSecret, authority: `${opts.authorityHost}/${opts.tenant}`, knownAuthorities: [new URL(opts.authorityHost).host] },
    });
  }

  /** `POST {serviceUrl}/v3/conversations/{conversationId}/activities`; the caller has checked the serviceUrl's host. */
  async sendToConversation(serviceUrl: string, conversationId: string, activity: Record<string, unknown>): Promise<void> {
    let token: string;
    try {
      // MSAL keeps the app token in memory until shortly before it expires.
      const r = await this.msal.acquireTokenByClientCredential({ scopes: [BOT_CONNECTOR_SCOPE] });
      if (!r) throw new Error('no token');
      token = r.accessToken;
    } catch (err) {
      const e = err as { errorCode?: string; message?: string };
      throw new BotConnectorError(`Microsoft Entra ID gave the bot no connector token (${e.errorCode ?? e.message ?? 'no answer'}).`);
    }
    const url = `${serviceUrl.replace(/\/+$/, '')}/v3/conversations/${encodeURIComponent(conversationId)}/activities`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(activity),
      // A redirect would carry the request, and the decision where it may go, to a host we never checked.
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    }).catch((err: unknown) => {
      throw new BotConnectorError(`The Bot Connector could not be reached (${(err as Error).message}).`);
    });
    if (!res.ok) throw new BotConnectorError(`The Bot Connector answered ${res.status}.`);
  }
}

// ---- the bot --------------------------------------------------------------------------------------------------------

export type BotOutcome = 'welcomed' | 'ignored';

export interface TeamsBotOptions {
  publicUrl: string;
  serviceUrlHosts: readonly string[];
  connector: Pick<BotConnector, 'sendToConversation'>;
}

/** Refused before anything is sent: the activity names a serviceUrl the bot never sends its token to. */
export class ServiceUrlRefused extends Error {
  override name = 'ServiceUrlRefused';
}

/** What the bot does with an authenticated activity: welcome a team that just installed it; nothing else yet. */
export class TeamsBot {
  constructor(private readonly opts: TeamsBotOptions) {}

  async onActivity(activity: BotActivity): Promise<BotOutcome> {
    if (!isAllowedServiceUrl(activity.serviceUrl, this.opts.serviceUrlHosts)) {
      throw new ServiceUrlRefused('The activity names a serviceUrl outside the Bot Framework\'s hosts; the bot does not answer there.');
    }
    if (!isTeamInstall(activity)) return 'ignored';
    await this.opts.connector.sendToConversation(activity.serviceUrl, activity.conversation.id, welcomeActivity(activity, this.opts.publicUrl));
    return 'welcomed';
  }
}
