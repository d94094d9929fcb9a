import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { Clock } from './clock.js';
import type { Endpoints, TokenRejectionReason, TokenService } from './entra.js';
import { FakeMicrosoftError } from './errors.js';

/** The issuer of every token the Bot Connector service sends to a bot. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** The channels the fake's signing key may sign for (the real keys list many more). */
export const BOT_FRAMEWORK_ENDORSEMENTS = ['msteams', 'webchat', 'directline'] as const;

/** A Bot Framework channel account (`from`, `recipient`, `membersAdded[i]`). */
export interface ChannelAccount {
  id: string;
  name?: string;
  aadObjectId?: string;
}

/** The part of a Bot Framework activity the fake builds and reads; bots receive and send more fields. */
export interface BotActivity {
  type: string;
  id?: string;
  timestamp?: string;
  channelId?: string;
  serviceUrl?: string;
  from?: ChannelAccount;
  recipient?: ChannelAccount;
  conversation?: { id: string; isGroup?: boolean; conversationType?: string; tenantId?: string; name?: string };
  membersAdded?: ChannelAccount[];
  membersRemoved?: ChannelAccount[];
  text?: string;
  attachments?: Array<{ contentType: string; content?: unknown; contentUrl?: string; name?: string }>;
  channelData?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ChannelTokenRequest {
  /** The bot's Microsoft app id: the token's audience. */
  appId: string;
  /** The `serviceurl` claim; the fake's own connector by default. */
  serviceUrl?: string;
  expiresInSec?: number;
  /** Seconds from now before the token becomes valid (nbf); 0 by default. */
  notBeforeInSec?: number;
  /** For tests of bad tokens: another issuer or audience than the real ones. */
  issuer?: string;
  audience?: string;
  /** `stranger` signs with a key the metadata does not publish (same kid), as a forger would. */
  signedBy?: 'bot-framework' | 'stranger';
}

export interface TeamInstallRequest {
  botAppId: string;
  botName?: string;
  tenantId: string;
  /** The team's id is its General channel's thread id (`19:…@thread.tacv2`); made up when missing. */
  team: { id?: string; name: string; aadGroupId?: string };
  /** Who added the app; a made-up member when missing. */
  installedBy?: { aadObjectId: string; name?: string };
  serviceUrl?: string;
}

export interface PersonalMessageRequest {
  botAppId: string;
  tenantId: string;
  user: { aadObjectId: string; name?: string };
  text: string;
  serviceUrl?: string;
}

/** An activity a bot sent through the fake's Bot Connector. */
export interface ReceivedBotActivity {
  conversationId: string;
  /** The app id of the bot whose token sent it. */
  appId: string;
  activity: BotActivity;
  receivedAt: number;
}

export interface BotFrameworkReport {
  /** Activities the fake delivered to bots, by the bot endpoint's HTTP status. */
  deliveredToBots: Record<string, number>;
  /** Activities bots sent through the connector and the connector accepted. */
  connectorAccepted: number;
  /** Connector calls refused, by reason (token reasons as for Graph, plus `unknown-conversation`, `not-in-roster`, `bad-activity`). */
  connectorRejected: Record<string, number>;
}

interface ConversationRecord {
  botAppId: string;
  tenantId: string;
}

interface ConnectorAnswer {
  status: number;
  body: Record<string, unknown>;
}

const MAX_RECORDED_ACTIVITIES = 10_000;

/**
 * The Bot Framework as a Teams bot meets it:
 * - the channel side: the OpenID metadata and keys that sign the JWT the Bot Connector sends with each activity, and
 *   delivery of Teams activities (conversationUpdate on install, messages) to a bot's messaging endpoint;
 * - the Bot Connector REST API the bot replies through (`POST {serviceUrl}/v3/conversations/{id}/activities`), which
 *   wants a token from Entra's client-credentials flow for `https://api.botframework.com/.default`.
 * Connector tokens are issued and checked by the fake Entra (`TokenService`); this class holds its own signing key for
 * the channel tokens, as the real service does.
 */
export class BotFramework {
  readonly received: ReceivedBotActivity[] = [];
  private readonly conversations = new Map<string, ConversationRecord>();
  private readonly deliveredByStatus = new Map<string, number>();
  private readonly rejectedByReason = new Map<string, number>();
  private accepted = 0;

  private constructor(
    private readonly clock: Clock,
    private readonly tokens: TokenService,
    private readonly endpoints: Endpoints,
    private readonly keyId: string,
    private readonly privateKey: CryptoKey,
    private readonly strangerKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {}

  static async create(clock: Clock, tokens: TokenService, endpoints: Endpoints): Promise<BotFramework> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const stranger = await generateKeyPair('RS256');
    const keyId = randomBytes(20).toString('base64url');
    const publicJwk = { ...(await exportJWK(publicKey)), kid: keyId, x5t: keyId, use: 'sig', kty: 'RSA' };
    return new BotFramework(clock, tokens, endpoints, keyId, privateKey, stranger.privateKey, publicJwk);
  }

  /** What a bot configures as its OpenID metadata URL (the real one is login.botframework.com/v1/.well-known/openidconfiguration). */
  get openIdMetadataUrl(): string {
    return `${this.endpoints.authorityHost}/botframework/v1/.well-known/openidconfiguration`;
  }

  /** The fake connector's base URL, as an activity's `serviceUrl` carries it (with the trailing slash Teams sends). */
  get serviceUrl(): string {
    return `${this.endpoints.authorityHost}/botframework/teams/`;
  }

  openIdConfiguration(): Record<string, unknown> {
    return {
      issuer: BOT_FRAMEWORK_ISSUER,
      authorization_endpoint: 'https://invalid.botframework.com',
      jwks_uri: `${this.endpoints.authorityHost}/botframework/v1/.well-known/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk, endorsements: [...BOT_FRAMEWORK_ENDORSEMENTS] } as JWK] };
  }

  /** The JWT the Bot Connector puts in the Authorization header of each activity it sends to a bot. */
  async mintChannelToken(request: ChannelTokenRequest): Promise<string> {
    if (typeof request.appId !== 'string' || request.appId === '') throw new FakeMicrosoftError('mintChannelToken needs the bot app id');
    const expiresInSec = request.expiresInSec ?? 3600;
    const notBeforeInSec = request.notBeforeInSec ?? 0;
    if (!Number.isFinite(expiresInSec) || !Number.isFinite(notBeforeInSec)) throw new FakeMicrosoftError('expiresInSec and notBeforeInSec must be numbers');
    const now = Math.floor(this.clock.now() / 1000);
    const key = request.signedBy === 'stranger' ? this.strangerKey : this.privateKey;
    return new SignJWT({
      serviceurl: request.serviceUrl ?? this.serviceUrl,
      nbf: now + notBeforeInSec,
      exp: now + expiresInSec,
      iss: request.issuer ?? BOT_FRAMEWORK_ISSUER,
      aud: request.audience ?? request.appId,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keyId, x5t: this.keyId } as { alg: string })
      .sign(key);
  }

  /** The conversationUpdate Teams sends when the app (and so its bot) is added to a team. */
  teamInstall(request: TeamInstallRequest): BotActivity {
    if (typeof request.botAppId !== 'string' || request.botAppId === '' || typeof request.tenantId !== 'string' || request.tenantId === '' || typeof request.team?.name !== 'string') {
      throw new FakeMicrosoftError('an install needs botAppId, tenantId and team.name');
    }
    const teamId = request.team.id ?? `19:${randomBytes(16).toString('hex')}@thread.tacv2`;
    const bot: ChannelAccount = { id: botAccountId(request.botAppId), ...(request.botName ? { name: request.botName } : {}) };
    const installer = request.installedBy ?? { aadObjectId: randomUUID() };
    return {
      type: 'conversationUpdate',
      id: `f:${randomBytes(8).toString('hex')}`,
      timestamp: new Date(this.clock.now()).toISOString(),
      channelId: 'msteams',
      serviceUrl: request.serviceUrl ?? this.serviceUrl,
      from: { id: userAccountId(installer.aadObjectId), aadObjectId: installer.aadObjectId, ...(installer.name ? { name: installer.name } : {}) },
      conversation: { isGroup: true, conversationType: 'channel', tenantId: request.tenantId, id: teamId },
      recipient: bot,
      membersAdded: [{ id: bot.id }],
      channelData: {
        team: { id: teamId, name: request.team.name, ...(request.team.aadGroupId ? { aadGroupId: request.team.aadGroupId } : {}) },
        eventType: 'teamMemberAdded',
        tenant: { id: request.tenantId },
      },
    };
  }

  /** A message a person sends the bot in a personal chat. */
  personalMessage(request: PersonalMessageRequest): BotActivity {
    return {
      type: 'message',
      id: String(this.clock.now()),
      timestamp: new Date(this.clock.now()).toISOString(),
      channelId: 'msteams',
      serviceUrl: request.serviceUrl ?? this.serviceUrl,
      from: { id: userAccountId(request.user.aadObjectId), aadObjectId: request.user.aadObjectId, ...(request.user.name ? { name: request.user.name } : {}) },
      conversation: { conversationType: 'personal', tenantId: request.tenantId, id: `a:${randomBytes(24).toString('base64url')}` },
      recipient: { id: botAccountId(request.botAppId) },
      text: request.text,
      textFormat: 'plain',
      channelData: { tenant: { id: request.tenantId } },
    };
  }

  /**
   * POSTs an activity to a bot's messaging endpoint as the Bot Connector does, with a fresh channel token for the
   * activity's bot and serviceUrl (or `token`; `null` sends none). The conversation joins the fake's roster first, so
   * the bot may answer into it.
   */
  async deliver(endpoint: string, activity: BotActivity, options: { token?: string | null } = {}): Promise<{ status: number; body: unknown }> {
    const botAppId = appIdOfBotAccount(activity.recipient?.id ?? '');
    const conversationId = activity.conversation?.id;
    if (!botAppId || !conversationId) throw new FakeMicrosoftError('the activity needs recipient.id (28:<bot app id>) and conversation.id');
    const tenantId = activity.conversation?.tenantId ?? '';
    this.conversations.set(conversationId, { botAppId, tenantId });
    const token = options.token === undefined ? await this.mintChannelToken({ appId: botAppId, ...(activity.serviceUrl ? { serviceUrl: activity.serviceUrl } : {}) }) : options.token;
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    const key = String(response.status);
    this.deliveredByStatus.set(key, (this.deliveredByStatus.get(key) ?? 0) + 1);
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: the text itself is the answer.
    }
    return { status: response.status, body };
  }

  /** `POST {serviceUrl}v3/conversations/{conversationId}/activities`: a bot sends an activity into a conversation. */
  async sendToConversation(conversationId: string, authorization: string | undefined, body: unknown): Promise<ConnectorAnswer> {
    const caller = await this.tokens.verifyBotConnectorToken(authorization);
    if (!caller.ok) return this.reject(caller.reason, 401, { message: 'Authorization has been denied for this request.' });
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return this.reject('unknown-conversation', 404, errorBody('ConversationNotFound', 'Conversation not found.'));
    if (conversation.botAppId !== caller.appId) return this.reject('not-in-roster', 403, errorBody('BotNotInConversationRoster', 'The bot is not part of the conversation roster.'));
    const problem = activityProblem(body);
    if (problem) return this.reject('bad-activity', 400, errorBody('BadArgument', problem));
    this.accepted += 1;
    if (this.received.length >= MAX_RECORDED_ACTIVITIES) this.received.shift();
    this.received.push({ conversationId, appId: caller.appId, activity: body as BotActivity, receivedAt: this.clock.now() });
    return { status: 201, body: { id: `1:${randomBytes(12).toString('hex')}` } };
  }

  /** What bots sent into one conversation, oldest first. */
  activitiesIn(conversationId: string): BotActivity[] {
    return this.received.filter((entry) => entry.conversationId === conversationId).map((entry) => entry.activity);
  }

  report(): BotFrameworkReport {
    return {
      deliveredToBots: Object.fromEntries(this.deliveredByStatus),
      connectorAccepted: this.accepted,
      connectorRejected: Object.fromEntries(this.rejectedByReason),
    };
  }

  private reject(reason: TokenRejectionReason | 'unknown-conversation' | 'not-in-roster' | 'bad-activity', status: number, body: Record<string, unknown>): ConnectorAnswer {
    this.rejectedByReason.set(reason, (this.rejectedByReason.get(reason) ?? 0) + 1);
    return { status, body };
  }
}

/** Teams' id for a bot in a conversation. */
export function botAccountId(appId: string): string {
  return `28:${appId}`;
}

function appIdOfBotAccount(id: string): string | undefined {
  return id.startsWith('28:') && id.length > 3 ? id.slice(3) : undefined;
}

/** A made-up but stable Teams user id (`29:…`) for an Entra object id. */
function userAccountId(aadObjectId: string): string {
  return `29:${Buffer.from(aadObjectId).toString('base64url')}`;
}

function errorBody(code: string, message: string): Record<string, unknown> {
  return { error: { code, message } };
}

/** Why the connector refuses an activity body, or undefined: the checks Teams makes before it posts anything. */
function activityProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The activity must be a JSON object.';
  const activity = body as Record<string, unknown>;
  if (typeof activity.type !== 'string' || activity.type === '') return 'The activity has no type.';
  if (activity.attachments === undefined) return activity.type === 'message' && typeof activity.text !== 'string' ? 'A message needs text or attachments.' : undefined;
  if (!Array.isArray(activity.attachments)) return 'attachments must be an array.';
  for (const [index, attachment] of activity.attachments.entries()) {
    if (typeof attachment !== 'object' || attachment === null || typeof (attachment as { contentType?: unknown }).contentType !== 'string') {
      return `attachments[${index}] needs a contentType.`;
    }
    const { contentType, content } = attachment as { contentType: string; content?: unknown };
    if (contentType === ADAPTIVE_CARD_CONTENT_TYPE) {
      const card = content as { type?: unknown; version?: unknown; body?: unknown } | undefined;
      if (typeof card !== 'object' || card === null || card.type !== 'AdaptiveCard') return `attachments[${index}].content must be an AdaptiveCard.`;
      if (typeof card.version !== 'string' || !/^1\.[0-6]$/.test(card.version)) return `attachments[${index}].content.version must be 1.0 to 1.6.`;
    }
  }
  return undefined;
}

/** The Bot Framework's HTTP surface on the fake: metadata, keys, the connector, and test controls. */
export function registerBotFrameworkRoutes(app: FastifyInstance, botFramework: BotFramework): void {
  app.get('/botframework/v1/.well-known/openidconfiguration', async () => botFramework.openIdConfiguration());
  app.get('/botframework/v1/.well-known/keys', async () => botFramework.jwks());
  app.post<{ Params: { conversationId: string } }>('/botframework/teams/v3/conversations/:conversationId/activities', async (request, reply) => {
    const answer = await botFramework.sendToConversation(request.params.conversationId, request.headers.authorization, request.body);
    return reply.status(answer.status).send(answer.body);
  });

  app.post('/_fake/botframework/channel-token', async (request) => ({ token: await botFramework.mintChannelToken((request.body ?? {}) as ChannelTokenRequest) }));
  // Development: play "add the app to a team" against a local bot. Only loopback endpoints, so the fake never posts
  // to a host somebody named in a request.
  app.post('/_fake/botframework/install', async (request) => {
    const input = (request.body ?? {}) as TeamInstallRequest & { endpoint?: string };
    const endpoint = parseLoopbackUrl(input.endpoint);
    const activity = botFramework.teamInstall(input);
    return { activity, answer: await botFramework.deliver(endpoint, activity) };
  });
  app.get('/_fake/botframework/activities', async () => ({ value: botFramework.received }));
}

function parseLoopbackUrl(raw: unknown): string {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new FakeMicrosoftError('endpoint must be the bot\'s messaging URL');
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || !['http:', 'https:'].includes(url.protocol)) {
    throw new FakeMicrosoftError('endpoint must be an http(s) URL on this machine (127.0.0.1, localhost or [::1])');
  }
  return url.toString();
}
