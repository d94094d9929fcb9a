import { createHash } from 'node:crypto';
import type { TeamsManifestV1D30 } from '@microsoft/app-manifest';
import {
  ACTIVITY_TYPES,
  APP_STRINGS,
  DEFAULT_LANGUAGE,
  withNameSuffix,
  type AppStrings,
  type LocalizedKey,
} from './strings.js';

/** The newest Teams manifest schema that @microsoft/app-manifest ships (build/json-schemas/teams/v1.30). */
export const MANIFEST_VERSION = '1.30';
export type TeamsManifest = TeamsManifestV1D30.TeamsManifestV1D30;

export const MANIFEST_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;
export const LOCALIZATION_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`;

export const COLOR_ICON_FILE = 'color.png';
export const OUTLINE_ICON_FILE = 'outline.png';
const ACCENT_COLOR = '#4F52B2';

/** Paths the server serves for Teams; the tab pages read the Teams context from TeamsJS. */
const TEAMS_PATHS = {
  configuration: '/teams/config',
  personal: '/teams/personal',
  privacy: '/privacy',
  terms: '/terms',
} as const;

export interface ManifestOptions {
  /** PUBLIC_URL: where the server is reached. */
  publicUrl: string;
  /** MICROSOFT_CLIENT_ID: the Entra app registration's id, used for SSO and Graph. */
  clientId: string;
  /** MICROSOFT_BOT_ID: the Bot Framework app id; the client id when unset. */
  botId?: string | undefined;
  /** TEAMS_APP_ID: the Teams app's own id; derived from the client id and name suffix when unset. */
  appId?: string | undefined;
  /** The app version, MAJOR.MINOR.PATCH as Teams requires; 1.0.0 when unset. */
  version?: string | undefined;
  /** TEAMS_APP_NAME_SUFFIX: marks a dev or test package, e.g. "dev" gives "MetaOffice (dev)". */
  nameSuffix?: string | undefined;
}

/** A manifest option that cannot make a valid package; `variable` names the setting it comes from. */
export class ManifestOptionsError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ManifestOptionsError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Teams accepts only plain MAJOR.MINOR.PATCH, no pre-release or build suffix (the schema's semver definition).
const TEAMS_SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const NAME_SHORT_MAX = 30;

/**
 * Parses PUBLIC_URL. Teams loads tabs only over https; plain http is accepted for loopback hosts so a package can be
 * built and inspected during local development, but Teams itself will refuse to load such a tab.
 */
export function parsePublicUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ManifestOptionsError('PUBLIC_URL', `must be an absolute https URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new ManifestOptionsError('PUBLIC_URL', `must be an https URL (http only for localhost), got "${raw}"`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ManifestOptionsError('PUBLIC_URL', `must not carry credentials, a query or a fragment, got "${raw}"`);
  }
  return url;
}

/** The base every app URL is built on: PUBLIC_URL without a trailing slash. */
function baseUrl(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The domains Teams may load the tabs from: exactly the PUBLIC_URL host (with its port, if any), never a wildcard,
 * since a wildcard would also trust every other site on a shared parent domain.
 */
export function validDomainsFor(publicUrl: string): string[] {
  return [parsePublicUrl(publicUrl).host];
}

/**
 * The SSO application ID URI Teams requests tokens for: `api://<host>/<client id>`. The Entra app registration must
 * expose exactly this URI, and its host must be the host the tab is served from.
 */
export function ssoResourceFor(publicUrl: string, clientId: string): string {
  return `api://${parsePublicUrl(publicUrl).host}/${clientId}`;
}

/**
 * A stable Teams app id for a client id and name suffix (a name-based, version-5-style UUID). A dev package gets an id
 * of its own, so it can be installed next to production in the same tenant, and rebuilding never changes it.
 */
export function deriveAppId(clientId: string, nameSuffix: string | undefined): string {
  const digest = createHash('sha1')
    .update(`metaoffice-teams-app:${clientId.toLowerCase()}:${nameSuffix ?? ''}`)
    .digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function requireGuid(variable: string, value: string): string {
  if (!GUID.test(value)) throw new ManifestOptionsError(variable, `must be a GUID, got "${value}"`);
  return value.toLowerCase();
}

/** The resolved, checked options; every builder below works from these. */
interface ResolvedOptions {
  base: string;
  clientId: string;
  botId: string;
  appId: string;
  version: string;
  strings: AppStrings;
}

function resolveOptions(options: ManifestOptions): ResolvedOptions {
  const url = parsePublicUrl(options.publicUrl);
  const clientId = requireGuid('MICROSOFT_CLIENT_ID', options.clientId);
  const botId = options.botId ? requireGuid('MICROSOFT_BOT_ID', options.botId) : clientId;
  const nameSuffix = options.nameSuffix?.trim() || undefined;
  const appId = options.appId ? requireGuid('TEAMS_APP_ID', options.appId) : deriveAppId(clientId, nameSuffix);
  const version = options.version ?? '1.0.0';
  if (!TEAMS_SEMVER.test(version)) {
    throw new ManifestOptionsError('version', `must be MAJOR.MINOR.PATCH as Teams requires, got "${version}"`);
  }
  const strings = withNameSuffix(defaultStrings(), nameSuffix);
  for (const [language, languageStrings] of Object.entries(APP_STRINGS)) {
    const name = withNameSuffix(languageStrings, nameSuffix)['name.short'];
    if (name.length > NAME_SHORT_MAX) {
      throw new ManifestOptionsError(
        'TEAMS_APP_NAME_SUFFIX',
        `makes the ${language} short name "${name}" longer than Teams' ${NAME_SHORT_MAX} characters`,
      );
    }
  }
  return { base: baseUrl(url), clientId, botId, appId, version, strings };
}

function defaultStrings(): AppStrings {
  return APP_STRINGS[DEFAULT_LANGUAGE] as AppStrings;
}

/** The additional languages, each shipped as `<tag>.json` at the package root. */
export function additionalLanguages(): { languageTag: string; file: string }[] {
  return Object.keys(APP_STRINGS)
    .filter((tag) => tag !== DEFAULT_LANGUAGE)
    .map((languageTag) => ({ languageTag, file: `${languageTag}.json` }));
}

/** Builds the Teams app manifest. Pure: the same options always give the same manifest. */
export function buildManifest(options: ManifestOptions): TeamsManifest {
  const { base, clientId, botId, appId, version, strings } = resolveOptions(options);
  const text = (key: LocalizedKey): string => strings[key];
  return {
    $schema: MANIFEST_SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    version,
    id: appId,
    localizationInfo: {
      defaultLanguageTag: DEFAULT_LANGUAGE,
      additionalLanguages: additionalLanguages(),
    },
    developer: {
      name: 'MetaOffice',
      websiteUrl: `${base}/`,
      privacyUrl: `${base}${TEAMS_PATHS.privacy}`,
      termsOfUseUrl: `${base}${TEAMS_PATHS.terms}`,
    },
    name: { short: text('name.short'), full: text('name.full') },
    description: { short: text('description.short'), full: text('description.full') },
    icons: { color: COLOR_ICON_FILE, outline: OUTLINE_ICON_FILE },
    accentColor: ACCENT_COLOR,
    configurableTabs: [
      {
        configurationUrl: `${base}${TEAMS_PATHS.configuration}`,
        canUpdateConfiguration: true,
        scopes: ['team'],
        context: ['channelTab'],
      },
    ],
    staticTabs: [
      {
        entityId: 'offices',
        name: text('staticTabs[0].name'),
        contentUrl: `${base}${TEAMS_PATHS.personal}`,
        websiteUrl: `${base}/`,
        scopes: ['personal'],
      },
    ],
    bots: [
      {
        botId,
        scopes: ['team', 'personal'],
        supportsFiles: false,
        isNotificationOnly: false,
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    devicePermissions: ['media'],
    validDomains: validDomainsFor(options.publicUrl),
    webApplicationInfo: {
      id: clientId,
      resource: ssoResourceFor(options.publicUrl, clientId),
    },
    activities: {
      activityTypes: ACTIVITY_TYPES.map((type, index) => ({
        type,
        description: text(`activities.activityTypes[${index}].description` as LocalizedKey),
        templateText: text(`activities.activityTypes[${index}].templateText` as LocalizedKey),
      })),
    },
  };
}

/** The localization file for one additional language, as written to `<tag>.json`. */
export function buildLocalizationFile(languageTag: string, nameSuffix?: string): Record<string, string> {
  const strings = APP_STRINGS[languageTag];
  if (!strings || languageTag === DEFAULT_LANGUAGE) {
    throw new ManifestOptionsError('languageTag', `"${languageTag}" is not an additional language of the app`);
  }
  return { $schema: LOCALIZATION_SCHEMA_URL, ...withNameSuffix(strings, nameSuffix?.trim() || undefined) };
}
