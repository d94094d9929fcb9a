import { describe, expect, it } from 'vitest';
import { HostParamError, parseHostParams } from './params.js';
import {
  fillPlaceholders,
  initializeAnswer,
  isAppRequest,
  legacyContext,
  notSupportedAnswer,
  parseTabConfig,
  respond,
  TabConfigError,
  type FrameState,
  type HostIdentity,
} from './protocol.js';

const ORIGIN = 'https://office.test:8443';
const who: HostIdentity = {
  tenantId: 'tid-1',
  userObjectId: 'oid-1',
  userPrincipalName: 'ada@contoso.test',
  userDisplayName: 'Ada',
  teamGroupId: 'aaaa-bbbb',
  teamName: 'Research',
  channelId: '19:abc@thread.tacv2',
  channelName: 'General',
  locale: 'en-us',
};
const frame: FrameState = { frameContext: 'content', theme: 'dark', entityId: 'office 7', appSessionId: 's1', hostSessionId: 'h1' };

describe('Teams test host protocol', () => {
  it('answers initialize with frame context, host client type, a v4 runtime JSON and an SDK version', () => {
    const [frameContext, clientType, runtimeJson, sdk] = initializeAnswer('settings');
    expect(frameContext).toBe('settings');
    expect(clientType).toBe('web');
    const runtime = JSON.parse(runtimeJson as string) as { apiVersion: number; supports: Record<string, unknown> };
    expect(runtime.apiVersion).toBe(4);
    expect(Object.keys(runtime.supports).sort()).toEqual(['app', 'authentication', 'dialog', 'pages', 'teamsCore']);
    expect(runtime.supports.pages).toEqual({ config: {}, tabs: {} });
    expect(sdk).toMatch(/^2\.\d+\.\d+$/);
  });

  it('echoes id and uuid in answers and recognises only requests', () => {
    const request = { id: 3, uuidAsString: 'u-3', func: 'getContext', args: [] };
    expect(isAppRequest(request)).toBe(true);
    expect(isAppRequest({ id: 3, args: [] })).toBe(false);
    expect(isAppRequest({ func: 'themeChange', args: ['dark'] })).toBe(false);
    expect(isAppRequest('initialize')).toBe(false);
    expect(respond(request, ['x'])).toEqual({ id: 3, uuidAsString: 'u-3', args: ['x'] });
  });

  it('builds the legacy context the library maps into app.Context', () => {
    const ctx = legacyContext(who, frame);
    expect(ctx).toMatchObject({
      tid: 'tid-1',
      userObjectId: 'oid-1',
      loginHint: 'ada@contoso.test',
      groupId: 'aaaa-bbbb',
      teamId: '19:aaaabbbb@thread.tacv2',
      channelId: '19:abc@thread.tacv2',
      theme: 'dark',
      frameContext: 'content',
      entityId: 'office 7',
      hostClientType: 'web',
    });
  });

  it('fills v1 and v2 placeholders, encoded, and leaves unknown ones', () => {
    expect(fillPlaceholders('/t?e={entityId}&g={team.groupId}&t={tid}&x={nope}&th={app.theme}', who, frame)).toBe(
      '/t?e=office%207&g=aaaa-bbbb&t=tid-1&x={nope}&th=dark',
    );
  });

  it('answers unsupported calls in the shape each API reads as failure', () => {
    expect(notSupportedAnswer('navigateCrossDomain')).toEqual([false, 'navigateCrossDomain is not supported by the Teams test host']);
    expect(notSupportedAnswer('getTabInstances')).toEqual([{ errorCode: 100, message: 'getTabInstances is not supported by the Teams test host' }]);
  });

  it('accepts a tab config on its own origin only', () => {
    expect(parseTabConfig({ entityId: 'e', contentUrl: `${ORIGIN}/tab`, suggestedTabName: 'Old name' }, ORIGIN)).toEqual({
      entityId: 'e',
      contentUrl: `${ORIGIN}/tab`,
      suggestedDisplayName: 'Old name',
    });
    expect(() => parseTabConfig({ entityId: 'e', contentUrl: 'https://evil.test/tab' }, ORIGIN)).toThrow(TabConfigError);
    expect(() => parseTabConfig({ entityId: 'e', contentUrl: `${ORIGIN}/tab`, websiteUrl: '//evil.test/' }, ORIGIN)).toThrow(/websiteUrl/);
    expect(() => parseTabConfig({ entityId: 'e' }, ORIGIN)).toThrow(/contentUrl is required/);
    expect(() => parseTabConfig('x', ORIGIN)).toThrow(TabConfigError);
  });
});

describe('Teams test host parameters', () => {
  it('reads the identity, frame and url', () => {
    const p = parseHostParams(new URLSearchParams('tenant=t1&user=u1&team=g1&channel=c1&channelName=Dev&theme=contrast&frame=settings&url=/teams/config?x=1'), ORIGIN);
    expect(p.who).toMatchObject({ tenantId: 't1', userObjectId: 'u1', teamGroupId: 'g1', channelId: 'c1', channelName: 'Dev', locale: 'en-us' });
    expect(p.theme).toBe('contrast');
    expect(p.frame).toBe('settings');
    expect(p.url).toBe(`${ORIGIN}/teams/config?x=1`);
    expect(p.entityId).toBeUndefined();
  });

  it('defaults to a content frame on /teams/tab', () => {
    const p = parseHostParams(new URLSearchParams('entityId=e1'), ORIGIN);
    expect(p.frame).toBe('content');
    expect(p.url).toBe(`${ORIGIN}/teams/tab`);
    expect(p.entityId).toBe('e1');
  });

  it.each([
    ['url=https://evil.test/tab', 'url'],
    ['url=//evil.test/tab', 'url'],
    ['url=javascript:alert(1)', 'url'],
    ['theme=pink', 'theme'],
    ['frame=remove', 'frame'],
    ['locale=<b>', 'locale'],
  ])('rejects %s', (query, param) => {
    try {
      parseHostParams(new URLSearchParams(query), ORIGIN);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HostParamError);
      expect((error as HostParamError).param).toBe(param);
    }
  });
});
