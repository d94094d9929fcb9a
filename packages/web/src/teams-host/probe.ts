/**
 * A minimal tab for testing the Teams test host with the real @microsoft/teams-js: it calls the APIs MetaOffice's
 * tab uses and writes what came back to the page and to `window.__probe`. What it does depends on the frame
 * context the host gives it: `settings` registers a save handler and becomes valid, `authentication` (the pop-up)
 * notifies success or, with `?authResult=fail`, failure. `?saveFails=1` makes the save handler refuse.
 */
import { app, authentication, pages } from '@microsoft/teams-js';

export interface ProbeResults {
  initMs?: number;
  context?: Record<string, string | undefined>;
  token?: string;
  tokenError?: string;
  /** The two calls the host does not implement: how each settled. */
  navigateCrossDomain?: string;
  getTabInstances?: string;
  themeChanges: string[];
  authenticate?: string;
  error?: string;
}
declare global {
  interface Window {
    __probe?: ProbeResults;
  }
}

const results: ProbeResults = { themeChanges: [] };
window.__probe = results;
const query = new URLSearchParams(location.search);
const list = document.getElementById('results')!;

function show<K extends keyof ProbeResults>(key: K, value: ProbeResults[K]): void {
  results[key] = value;
  let dd = list.querySelector<HTMLElement>(`dd[data-key="${key}"]`);
  if (!dd) {
    const dt = document.createElement('dt');
    dt.textContent = key;
    dd = document.createElement('dd');
    dd.dataset.key = key;
    list.append(dt, dd);
  }
  dd.textContent = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

const message = (error: unknown) => (error instanceof Error ? error.message : JSON.stringify(error));

async function run(): Promise<void> {
  const started = performance.now();
  // No validMessageOrigins: a parent on the tab's own origin is accepted by the library as it is.
  await app.initialize();
  show('initMs', Math.round(performance.now() - started));

  const ctx = await app.getContext();
  show('context', {
    tid: ctx.user?.tenant?.id,
    userId: ctx.user?.id,
    upn: ctx.user?.userPrincipalName,
    loginHint: ctx.user?.loginHint,
    groupId: ctx.team?.groupId,
    teamName: ctx.team?.displayName,
    channelId: ctx.channel?.id,
    channelName: ctx.channel?.displayName,
    theme: ctx.app.theme,
    locale: ctx.app.locale,
    frameContext: ctx.page.frameContext,
    pageId: ctx.page.id,
    hostClientType: ctx.app.host.clientType,
  });
  app.registerOnThemeChangeHandler((theme) => show('themeChanges', [...results.themeChanges, theme]));

  if (ctx.page.frameContext === 'authentication') {
    if (query.get('authResult') === 'fail') authentication.notifyFailure('probe says no');
    else authentication.notifySuccess('probe-popup-result');
    return;
  }

  if (ctx.page.frameContext === 'settings') {
    pages.config.registerOnSaveHandler((saveEvent) => {
      if (query.get('saveFails')) return saveEvent.notifyFailure('probe refuses to save');
      pages.config
        .setConfig({
          entityId: 'probe-tab-1',
          contentUrl: `${location.origin}/teams-host-probe.html?tab={entityId}`,
          websiteUrl: `${location.origin}/teams-host-probe.html`,
          suggestedDisplayName: 'Probe office',
        })
        .then(() => saveEvent.notifySuccess())
        .catch((error: unknown) => saveEvent.notifyFailure(message(error)));
    });
    pages.config.setValidityState(true);
  }

  document.getElementById('authenticate')!.addEventListener('click', () => {
    const popup = `${location.origin}/teams-host-probe.html?popup=1${query.get('authResult') ? `&authResult=${query.get('authResult')}` : ''}`;
    authentication
      .authenticate({ url: popup, width: 420, height: 320 })
      .then((result) => show('authenticate', `success: ${result}`))
      .catch((error: unknown) => show('authenticate', `failure: ${message(error)}`));
  });

  await Promise.all([
    authentication.getAuthToken().then(
      (token) => show('token', token),
      (error: unknown) => show('tokenError', message(error)),
    ),
    pages.navigateCrossDomain('https://example.org/elsewhere').then(
      () => show('navigateCrossDomain', 'resolved'),
      (error: unknown) => show('navigateCrossDomain', `rejected: ${message(error)}`),
    ),
    pages.tabs.getTabInstances().then(
      (value) => show('getTabInstances', `resolved: ${JSON.stringify(value)}`),
      (error: unknown) => show('getTabInstances', `rejected: ${message(error)}`),
    ),
  ]);
  app.notifySuccess();
}

run().catch((error: unknown) => show('error', message(error)));
