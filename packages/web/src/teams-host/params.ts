import { isSameOrigin, THEMES, type HostIdentity, type Theme } from './protocol.js';

/** What the host page's query string sets up. */
export interface HostParams {
  who: HostIdentity;
  theme: Theme;
  /** `settings` plays the tab configuration dialog; `content` shows a saved tab. */
  frame: 'content' | 'settings';
  /** The saved tab's entity id (content frame). */
  entityId?: string;
  /** The tab page to embed, a path on the host's own origin. */
  url: string;
}

export class HostParamError extends Error {
  override name = 'HostParamError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

// Stable made-up ids, so a person can open the page bare; tests pass their own.
const DEFAULTS = {
  tenant: '6e1f1a2b-0000-4000-8000-000000000001',
  user: '7a2b3c4d-0000-4000-8000-000000000002',
  team: '8b3c4d5e-0000-4000-8000-000000000003',
  teamName: 'MetaOffice Team',
  channel: '19:general0000000000000000000000@thread.tacv2',
  channelName: 'General',
  locale: 'en-us',
};
const DEFAULT_URL = { settings: '/teams/config', content: '/teams/tab' } as const;

/** Reads the host page's query parameters; throws `HostParamError` naming the first bad one. */
export function parseHostParams(query: URLSearchParams, origin: string): HostParams {
  const text = (name: keyof typeof DEFAULTS): string => {
    const value = query.get(name)?.trim();
    if (value === undefined || value === '') return DEFAULTS[name];
    if (value.length > 200) throw new HostParamError(name, 'longer than 200 characters');
    return value;
  };
  const theme = query.get('theme') ?? 'default';
  if (!(THEMES as readonly string[]).includes(theme)) throw new HostParamError('theme', `must be one of ${THEMES.join(', ')}`);
  const frame = query.get('frame') ?? 'content';
  if (frame !== 'content' && frame !== 'settings') throw new HostParamError('frame', 'must be content or settings');
  const url = query.get('url') || DEFAULT_URL[frame];
  if (!isSameOrigin(url, origin)) throw new HostParamError('url', `must be a page on ${origin}`);
  const locale = text('locale');
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale)) throw new HostParamError('locale', 'must look like en-us');

  const user = text('user');
  const params: HostParams = {
    who: {
      tenantId: text('tenant'),
      userObjectId: user,
      userPrincipalName: query.get('upn') || `user-${user.slice(0, 8)}@metaoffice.test`,
      userDisplayName: query.get('userName') || 'Test User',
      teamGroupId: text('team'),
      teamName: text('teamName'),
      channelId: text('channel'),
      channelName: text('channelName'),
      locale: locale.toLowerCase(),
    },
    theme: theme as Theme,
    frame,
    url: new URL(url, origin).href,
  };
  const entityId = query.get('entityId');
  if (entityId) params.entityId = entityId;
  return params;
}
