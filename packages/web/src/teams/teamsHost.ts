import { app, authentication, pages } from '@microsoft/teams-js';
import { readPageContext, teamsThemeOf, type TeamsPageContext, type TeamsTheme } from './context.js';

/**
 * The only module that talks to TeamsJS. Pages call these few functions; the library's callback shapes, version
 * quirks and origin rules stay in here.
 */

/** How long to wait for a host to answer `initialize` before telling the person this page belongs inside Teams. */
const INITIALIZE_TIMEOUT_MS = 10_000;

export class NotInTeamsError extends Error {
  override name = 'NotInTeamsError';
  constructor() {
    super('This page runs inside Microsoft Teams.');
  }
}

let initializing: Promise<void> | undefined;

/**
 * Starts TeamsJS once per page; every other function here waits for it.
 *
 * No `validMessageOrigins`: TeamsJS 2.58 trusts messages from Microsoft's hosts (https, its built-in list or the
 * list it fetches) and, before any list, from the page's own origin (`verifyIncomingMessageOrigin` in
 * internal/communication.js). The Teams test host is served from the app's own origin, so it is trusted as it is,
 * over http too, and real Teams keeps the library's production list untouched.
 */
export function initializeTeams(): Promise<void> {
  initializing ??= new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new NotInTeamsError()), INITIALIZE_TIMEOUT_MS);
    app.initialize().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
  return initializing;
}

export async function pageContext(): Promise<TeamsPageContext> {
  await initializeTeams();
  return readPageContext(await app.getContext());
}

/** Calls `handler` on every theme change Teams reports. */
export function onThemeChange(handler: (theme: TeamsTheme) => void): void {
  app.registerOnThemeChangeHandler((theme) => handler(teamsThemeOf(theme)));
}

let reported = false;
/** The page shows what it should (content, or a message it explains): Teams hides its loading indicator. */
export function reportReady(): void {
  if (reported) return;
  reported = true;
  void app.notifySuccess().catch(() => undefined);
}
/** The page cannot work at all; Teams shows its own failure screen with `message`. */
export function reportFailure(message: string): void {
  if (reported) return;
  reported = true;
  app.notifyFailure({ reason: app.FailedReason.Other, message });
}

/** The Teams SSO token for this app (an Entra ID token whose audience is the app). */
export async function ssoToken(): Promise<string> {
  await initializeTeams();
  return authentication.getAuthToken();
}

/** Opens a pop-up at `url` (on this origin); resolves when it calls notifySuccess, rejects on failure or close. */
export async function openAuthPopup(url: string): Promise<string> {
  await initializeTeams();
  return authentication.authenticate({ url: new URL(url, location.origin).href, width: 600, height: 535 });
}

/** Inside the pop-up: report the outcome to the tab that opened it (TeamsJS closes the window after). */
export async function finishAuthPopup(outcome: { ok: true } | { ok: false; reason: string }): Promise<void> {
  await initializeTeams();
  if (outcome.ok) authentication.notifySuccess();
  else authentication.notifyFailure(outcome.reason);
}

export interface TabConfigToSave {
  entityId: string;
  contentUrl: string;
  websiteUrl: string;
  suggestedDisplayName: string;
}

export interface SaveRequest {
  succeed(): void;
  fail(reason: string): void;
}

/** The configuration dialog: Save is enabled while `valid`, and runs `onSave` when pressed. */
export const tabConfig = {
  setValid(valid: boolean): void {
    pages.config.setValidityState(valid);
  },
  onSave(handler: (save: SaveRequest) => void): void {
    pages.config.registerOnSaveHandler((event) => handler({ succeed: () => event.notifySuccess(), fail: (reason) => event.notifyFailure(reason) }));
  },
  save(config: TabConfigToSave): Promise<void> {
    return pages.config.setConfig(config);
  },
};
