import { describe, expect, it } from 'vitest';
import type { app } from '@microsoft/teams-js';
import { configTabKey, contentTabKey, readPageContext, TeamsContextError, teamsThemeOf } from './context.js';

function context(overrides: { page?: { id?: string; frameContext?: string }; team?: Partial<app.TeamInfo> | undefined; channel?: Partial<app.ChannelInfo> | undefined; theme?: string } = {}): app.Context {
  return {
    app: { locale: 'en-gb', theme: overrides.theme ?? 'dark', sessionId: 's', host: { name: 'Teams', clientType: 'web', sessionId: 'h' } },
    page: { id: 'entity-1', frameContext: 'content', ...overrides.page } as app.PageInfo,
    user: { id: 'user-oid', loginHint: 'ada@contoso.com', tenant: { id: 'tenant-1' } },
    team: 'team' in overrides ? (overrides.team as app.TeamInfo | undefined) : { internalId: '19:abc@thread.tacv2', groupId: 'group-1' },
    channel: 'channel' in overrides ? (overrides.channel as app.ChannelInfo | undefined) : { id: '19:chan@thread.tacv2' },
  } as app.Context;
}

describe('readPageContext', () => {
  it('takes the team group id, channel, tab entity id, user, tenant, theme and locale', () => {
    expect(readPageContext(context())).toEqual({
      tenantId: 'tenant-1',
      userId: 'user-oid',
      loginHint: 'ada@contoso.com',
      teamId: 'group-1',
      channelId: '19:chan@thread.tacv2',
      entityId: 'entity-1',
      frameContext: 'content',
      theme: 'dark',
      locale: 'en-gb',
    });
  });
  it('refuses a context without tenant or user', () => {
    const c = context();
    expect(() => readPageContext({ ...c, user: { id: 'u' } } as app.Context)).toThrow(TeamsContextError);
    expect(() => readPageContext({ ...c, user: undefined } as app.Context)).toThrow(TeamsContextError);
    expect(() => readPageContext({ ...c, user: { id: ' ', tenant: { id: 't' } } } as app.Context)).toThrow(TeamsContextError);
  });
  it('treats an empty entity id (a new tab) as none', () => {
    expect(readPageContext(context({ page: { id: '' } })).entityId).toBeUndefined();
  });
});

describe('teamsThemeOf', () => {
  it('knows the three Teams themes and falls back to light', () => {
    expect(teamsThemeOf('default')).toBe('default');
    expect(teamsThemeOf('dark')).toBe('dark');
    expect(teamsThemeOf('contrast')).toBe('contrast');
    expect(teamsThemeOf('fancy')).toBe('default');
    expect(teamsThemeOf(undefined)).toBe('default');
  });
});

describe('tab keys', () => {
  it('reuses the entity id when Settings is reopened on a saved tab', () => {
    const ctx = readPageContext(context({ page: { frameContext: 'settings' } }));
    expect(configTabKey(ctx, () => 'new-id')).toEqual({ teamId: 'group-1', channelId: '19:chan@thread.tacv2', entityId: 'entity-1', isNew: false });
  });
  it('makes a new entity id for a tab being added', () => {
    const ctx = readPageContext(context({ page: { id: '', frameContext: 'settings' } }));
    expect(configTabKey(ctx, () => 'new-id')).toEqual({ teamId: 'group-1', channelId: '19:chan@thread.tacv2', entityId: 'new-id', isNew: true });
  });
  it('needs a team and a channel', () => {
    expect(() => configTabKey(readPageContext(context({ team: undefined })), () => 'x')).toThrow(TeamsContextError);
    expect(() => contentTabKey(readPageContext(context({ channel: undefined })))).toThrow(TeamsContextError);
  });
  it('needs the entity id to show a tab', () => {
    expect(contentTabKey(readPageContext(context()))).toEqual({ teamId: 'group-1', channelId: '19:chan@thread.tacv2', entityId: 'entity-1' });
    expect(() => contentTabKey(readPageContext(context({ page: { id: '' } })))).toThrow(TeamsContextError);
  });
});
