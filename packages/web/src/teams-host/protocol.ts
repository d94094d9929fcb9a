/**
 * The TeamsJS wire protocol as the Teams client speaks it, for the Teams test host. Pure: no DOM, no I/O.
 *
 * Shapes come from @microsoft/teams-js 2.58.0 (internal/communication.js, messageObjects.js, public/app,
 * public/pages, public/authentication.js, public/runtime.js):
 * - the app sends requests `{ id, uuidAsString, func, args, timestamp, monotonicTimestamp, apiVersionTag, ... }`;
 * - the host answers `{ id, uuidAsString, args }` (the library matches on the uuid, then on the numeric id);
 * - the host calls the app with `{ func, args }` and no numeric `id` (a numeric id makes the library treat the
 *   message as an answer).
 */

export type FrameContext = 'content' | 'settings' | 'authentication';
export type Theme = 'default' | 'dark' | 'contrast';
export const THEMES: readonly Theme[] = ['default', 'dark', 'contrast'];

/** What the Teams test host plays: the tenant, team, channel and user a tab sees. */
export interface HostIdentity {
  tenantId: string;
  userObjectId: string;
  userPrincipalName: string;
  userDisplayName: string;
  teamGroupId: string;
  teamName: string;
  channelId: string;
  channelName: string;
  locale: string;
}

export interface AppRequest {
  id: number;
  uuidAsString?: string;
  func: string;
  args: unknown[];
}

export interface HostResponse {
  id: number;
  uuidAsString?: string;
  args: unknown[];
}

export interface HostCall {
  func: string;
  args: unknown[];
}

/** The tab's configuration as `pages.config.setConfig` (or the older `settings.setSettings`) sends it. */
export interface TabConfig {
  entityId: string;
  contentUrl: string;
  websiteUrl?: string;
  removeUrl?: string;
  suggestedDisplayName?: string;
}

/** The SDK version this host says it supports; the library compares it with its own for old-host fallbacks. */
export const HOST_SDK_VERSION = '2.58.0';

/** The library's `ErrorCode.NOT_SUPPORTED_ON_PLATFORM`. */
export const NOT_SUPPORTED_ON_PLATFORM = 100;

export function isAppRequest(data: unknown): data is AppRequest {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  return typeof m.id === 'number' && typeof m.func === 'string' && (m.args === undefined || Array.isArray(m.args));
}

export function respond(request: AppRequest, args: unknown[]): HostResponse {
  return { id: request.id, uuidAsString: request.uuidAsString, args };
}

/**
 * The runtime config answered to `initialize`. The library gates every API on it (`isSupported()` and the checks
 * before sending), so declaring only what the host implements keeps other calls from reaching it at all.
 * `dialog` is declared bare: `dialog.isSupported()` is true but no sub-capability (url, card, update) is.
 */
export function runtimeConfig(): object {
  return {
    apiVersion: 4,
    isLegacyTeams: false,
    supports: {
      app: {},
      authentication: {},
      dialog: {},
      pages: { config: {}, tabs: {} },
      teamsCore: {},
    },
  };
}

/** The `initialize` answer: `[frameContext, hostClientType, runtimeConfig (JSON text), clientSupportedSDKVersion]`. */
export function initializeAnswer(frameContext: FrameContext): unknown[] {
  return [frameContext, 'web', JSON.stringify(runtimeConfig()), HOST_SDK_VERSION];
}

export interface FrameState {
  frameContext: FrameContext;
  theme: Theme;
  /** The tab's entity id: set for a content frame, absent while a new tab is being configured. */
  entityId?: string;
  appSessionId: string;
  hostSessionId: string;
}

/**
 * The legacy (v1) context object `getContext` answers with; the library maps it into `app.Context`
 * (`tid` → `user.tenant.id`, `groupId` → `team.groupId`, `teamId` → `team.internalId`, ...). `team` only appears in
 * `app.Context` when `teamId` is set, so it is always sent; it is synthesised from the group id because Teams' team
 * thread id is not something a test host can know.
 */
export function legacyContext(who: HostIdentity, frame: FrameState): Record<string, unknown> {
  return {
    tid: who.tenantId,
    tenantSKU: 'enterprise',
    userObjectId: who.userObjectId,
    userPrincipalName: who.userPrincipalName,
    loginHint: who.userPrincipalName,
    userDisplayName: who.userDisplayName,
    userLicenseType: 'Unknown',
    groupId: who.teamGroupId,
    teamId: teamThreadId(who.teamGroupId),
    teamName: who.teamName,
    teamType: 0,
    channelId: who.channelId,
    channelName: who.channelName,
    channelType: 'Regular',
    hostTeamGroupId: who.teamGroupId,
    hostTeamTenantId: who.tenantId,
    entityId: frame.entityId,
    frameContext: frame.frameContext,
    theme: frame.theme,
    locale: who.locale,
    appSessionId: frame.appSessionId,
    sessionId: frame.hostSessionId,
    hostName: 'Teams',
    hostClientType: 'web',
    isFullScreen: false,
    isMultiWindow: false,
  };
}

export function teamThreadId(groupId: string): string {
  return `19:${groupId.replace(/-/g, '')}@thread.tacv2`;
}

/**
 * Teams fills `{placeholder}`s in configuration and content URLs from the context, under the v1 names and the
 * `app.Context` paths alike. Values are URL-encoded; unknown placeholders stay as they are.
 */
export function fillPlaceholders(url: string, who: HostIdentity, frame: FrameState): string {
  const values: Record<string, string | undefined> = {
    entityId: frame.entityId,
    'page.id': frame.entityId,
    tid: who.tenantId,
    'user.tenant.id': who.tenantId,
    userObjectId: who.userObjectId,
    'user.id': who.userObjectId,
    loginHint: who.userPrincipalName,
    'user.loginHint': who.userPrincipalName,
    userPrincipalName: who.userPrincipalName,
    'user.userPrincipalName': who.userPrincipalName,
    groupId: who.teamGroupId,
    'team.groupId': who.teamGroupId,
    teamId: teamThreadId(who.teamGroupId),
    'team.internalId': teamThreadId(who.teamGroupId),
    teamName: who.teamName,
    'team.displayName': who.teamName,
    channelId: who.channelId,
    'channel.id': who.channelId,
    channelName: who.channelName,
    'channel.displayName': who.channelName,
    theme: frame.theme,
    'app.theme': frame.theme,
    locale: who.locale,
    'app.locale': who.locale,
  };
  return url.replace(/\{([A-Za-z.]+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : encodeURIComponent(value);
  });
}

/**
 * Calls whose answer the library reads as `[success: boolean, resultOrReason]` (sendAndHandleStatusAndReason and
 * the authentication calls). Every other call is answered `[sdkError]`, which sendAndHandleSdkError and
 * callFunctionInHostAndHandleResponse turn into a rejection (sendAndUnwrap resolves with the error object itself).
 */
const STATUS_AND_REASON_CALLS = new Set([
  'executeDeepLink',
  'navigateBack',
  'navigateCrossDomain',
  'navigateToTab',
  'pages.navigateToApp',
  'chat.openChat',
  'calendar.composeMeeting',
  'authentication.getUser',
]);

/** The answer to a call this host does not implement, in the shape the calling API reads as a failure. */
export function notSupportedAnswer(func: string): unknown[] {
  const message = `${func} is not supported by the Teams test host`;
  return STATUS_AND_REASON_CALLS.has(func) ? [false, message] : [{ errorCode: NOT_SUPPORTED_ON_PLATFORM, message }];
}

export class TabConfigError extends Error {
  override name = 'TabConfigError';
}

/**
 * Checks a `setConfig` payload. Teams refuses a content URL outside the app's valid domains; this host's only valid
 * domain is its own origin. Accepts the older `suggestedTabName` for the display name.
 */
export function parseTabConfig(raw: unknown, origin: string): TabConfig {
  if (typeof raw !== 'object' || raw === null) throw new TabConfigError('setConfig needs an object');
  const c = raw as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const v = c[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new TabConfigError(`${key} must be a string`);
    return v;
  };
  const contentUrl = text('contentUrl');
  if (!contentUrl) throw new TabConfigError('contentUrl is required');
  for (const key of ['contentUrl', 'websiteUrl', 'removeUrl']) {
    const url = text(key);
    if (url !== undefined && !isSameOrigin(url, origin)) throw new TabConfigError(`${key} ${url} is not on ${origin}`);
  }
  const config: TabConfig = { entityId: text('entityId') ?? '', contentUrl };
  const websiteUrl = text('websiteUrl');
  const removeUrl = text('removeUrl');
  const suggestedDisplayName = text('suggestedDisplayName') ?? text('suggestedTabName');
  if (websiteUrl) config.websiteUrl = websiteUrl;
  if (removeUrl) config.removeUrl = removeUrl;
  if (suggestedDisplayName) config.suggestedDisplayName = suggestedDisplayName;
  return config;
}

/** Absolute URLs must be on `origin`; a URL without a scheme is resolved against it. */
export function isSameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url, origin).origin === origin;
  } catch {
    return false;
  }
}
