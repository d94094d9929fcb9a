import type { HostParams } from './params.js';
import {
  fillPlaceholders,
  initializeAnswer,
  isAppRequest,
  legacyContext,
  notSupportedAnswer,
  parseTabConfig,
  respond,
  TabConfigError,
  type AppRequest,
  type FrameContext,
  type FrameState,
  type HostCall,
  type TabConfig,
  type Theme,
} from './protocol.js';

/** How long the host waits for the tab to answer `settings.save` before it shows the save as failed. */
const SAVE_TIMEOUT_MS = 30_000;
const POPUP_POLL_MS = 300;
export const SSO_TOKEN_ROUTE = '/teams-test-host/sso-token';

export type SaveState = 'idle' | 'saving' | 'saved' | 'failed';

/** Everything the host page shows, and what tests read through `window.__teamsHost`. */
export interface HostState {
  frameContext: FrameContext;
  theme: Theme;
  entityId?: string;
  /** The URL the iframe shows now. */
  frameUrl: string;
  /** The func of every request received, in order (tab and auth pop-up alike). */
  calls: string[];
  /** Handlers the tab registered (`registerHandler` args[0]): themeChange, save, load, ... */
  registeredHandlers: string[];
  /** `appInitialization.appLoaded` / `success` / `failure` / `expectedFailure`, with their args. */
  appStatus: { func: string; args: unknown[] }[];
  valid: boolean;
  /** What the tab passed to setConfig, not yet saved. */
  pendingConfig?: TabConfig;
  savedConfig?: TabConfig;
  saveState: SaveState;
  saveError?: string;
  lastAuthToken?: string;
  lastAuthError?: string;
  authenticateResult?: { success: boolean; value: string };
  /** Messages dropped because they came from another window or origin. */
  rejectedMessages: number;
}

export interface HostDeps {
  window: Window;
  frame: HTMLIFrameElement;
  params: HostParams;
  /** Called after every state change, to redraw the page. */
  onChange(): void;
}

/**
 * Plays the Teams client for one embedded tab (and its authentication pop-up): answers TeamsJS requests, runs the
 * configuration dialog's save, and sends host-initiated calls (themeChange, settings.save).
 */
export class TeamsHost {
  readonly state: HostState;
  private readonly origin: string;
  private readonly appSessionId = crypto.randomUUID();
  private readonly hostSessionId = crypto.randomUUID();
  private popup: Window | null = null;
  private pendingAuthenticate?: { request: AppRequest; target: Window; poll: number };
  private saveTimer?: number;

  constructor(private readonly deps: HostDeps) {
    this.origin = deps.window.location.origin;
    const { params } = deps;
    this.state = {
      frameContext: params.frame,
      theme: params.theme,
      entityId: params.entityId,
      frameUrl: '',
      calls: [],
      registeredHandlers: [],
      appStatus: [],
      valid: false,
      saveState: 'idle',
      rejectedMessages: 0,
    };
    deps.window.addEventListener('message', this.onMessage);
    this.navigate(params.url);
  }

  setTheme(theme: Theme): void {
    this.state.theme = theme;
    this.callTab({ func: 'themeChange', args: [theme] });
    this.deps.onChange();
  }

  /** The configuration dialog's Save: Teams asks the tab to save and waits for settings.save.success/failure. */
  clickSave(): void {
    const s = this.state;
    if (s.frameContext !== 'settings' || !s.valid || s.saveState === 'saving') return;
    s.saveState = 'saving';
    s.saveError = undefined;
    this.saveTimer = this.deps.window.setTimeout(() => this.saveFailed('the tab did not answer settings.save'), SAVE_TIMEOUT_MS);
    this.callTab({ func: 'settings.save', args: [{}] });
    this.deps.onChange();
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const from = event.source === this.deps.frame.contentWindow ? 'tab' : event.source !== null && event.source === this.popup ? 'popup' : null;
    if (from === null || event.origin !== this.origin) {
      if (isAppRequest(event.data)) {
        this.state.rejectedMessages += 1;
        this.deps.onChange();
      }
      return;
    }
    if (!isAppRequest(event.data)) return;
    const request = { ...event.data, args: event.data.args ?? [] };
    this.state.calls.push(request.func);
    const target = event.source as Window;
    const answer = (args: unknown[]) => target.postMessage(respond(request, args), this.origin);
    if (from === 'popup') this.handlePopup(request, answer);
    else this.handleTab(request, target, answer);
    this.deps.onChange();
  };

  private handleTab(request: AppRequest, target: Window, answer: (args: unknown[]) => void): void {
    const s = this.state;
    const [first] = request.args;
    switch (request.func) {
      case 'initialize':
        return answer(initializeAnswer(s.frameContext));
      case 'getContext':
        return answer([legacyContext(this.deps.params.who, this.frameState(s.frameContext))]);
      case 'registerHandler':
        if (typeof first === 'string' && !s.registeredHandlers.includes(first)) s.registeredHandlers.push(first);
        return;
      case 'appInitialization.appLoaded':
      case 'appInitialization.success':
      case 'appInitialization.failure':
      case 'appInitialization.expectedFailure':
        s.appStatus.push({ func: request.func, args: request.args });
        return;
      case 'settings.setValidityState':
        s.valid = first === true;
        return;
      case 'settings.setSettings':
        return answer(this.setConfig(first));
      case 'settings.getSettings':
        return answer([s.pendingConfig ?? s.savedConfig ?? (s.entityId ? { entityId: s.entityId } : {})]);
      case 'settings.save.success':
        return this.saveSucceeded();
      case 'settings.save.failure':
        return this.saveFailed(typeof first === 'string' ? first : 'the tab refused to save');
      case 'authentication.getAuthToken':
        void this.fetchSsoToken().then(answer);
        return;
      case 'authentication.authenticate':
        return this.authenticate(request, target, answer);
      case 'readyToUnload':
        return;
      default:
        return answer(notSupportedAnswer(request.func));
    }
  }

  /** The pop-up is a TeamsJS page of its own, in the `authentication` frame context. */
  private handlePopup(request: AppRequest, answer: (args: unknown[]) => void): void {
    const [first] = request.args;
    switch (request.func) {
      case 'initialize':
        return answer(initializeAnswer('authentication'));
      case 'getContext':
        return answer([legacyContext(this.deps.params.who, this.frameState('authentication'))]);
      case 'authentication.authenticate.success':
        return this.finishAuthenticate(true, typeof first === 'string' ? first : '');
      case 'authentication.authenticate.failure':
        return this.finishAuthenticate(false, typeof first === 'string' ? first : 'failed');
      case 'registerHandler':
      case 'appInitialization.appLoaded':
      case 'appInitialization.success':
        return;
      default:
        return answer(notSupportedAnswer(request.func));
    }
  }

  private frameState(frameContext: FrameContext): FrameState {
    const s = this.state;
    return { frameContext, theme: s.theme, entityId: s.entityId, appSessionId: this.appSessionId, hostSessionId: this.hostSessionId };
  }

  private setConfig(raw: unknown): unknown[] {
    try {
      this.state.pendingConfig = parseTabConfig(raw, this.origin);
      return [true];
    } catch (error) {
      if (error instanceof TabConfigError) return [false, error.message];
      throw error;
    }
  }

  private saveSucceeded(): void {
    const s = this.state;
    if (s.saveState !== 'saving') return;
    if (!s.pendingConfig) return this.saveFailed('the tab saved without calling pages.config.setConfig');
    this.deps.window.clearTimeout(this.saveTimer);
    s.savedConfig = s.pendingConfig;
    s.pendingConfig = undefined;
    s.saveState = 'saved';
    // Teams closes the dialog and shows the new tab: the content URL in the content frame context.
    s.frameContext = 'content';
    s.entityId = s.savedConfig.entityId;
    this.navigate(s.savedConfig.contentUrl);
  }

  private saveFailed(reason: string): void {
    const s = this.state;
    if (s.saveState !== 'saving') return;
    this.deps.window.clearTimeout(this.saveTimer);
    s.saveState = 'failed';
    s.saveError = reason;
    this.deps.onChange();
  }

  /** Loads a page into the tab's iframe; its TeamsJS starts over with a new `initialize`. */
  private navigate(url: string): void {
    const s = this.state;
    const filled = new URL(fillPlaceholders(url, this.deps.params.who, this.frameState(s.frameContext)), this.origin).href;
    s.valid = false;
    s.registeredHandlers = [];
    s.frameUrl = filled;
    this.deps.frame.src = filled;
  }

  private callTab(call: HostCall): void {
    this.deps.frame.contentWindow?.postMessage(call, this.origin);
  }

  /**
   * `getAuthToken` answers `[true, token]` or `[false, reason]`. The lead's server route mints the Teams SSO token;
   * a non-200 answer's `error` field (e.g. `resourceRequiresConsent`) becomes the reason the tab sees.
   */
  private async fetchSsoToken(): Promise<unknown[]> {
    const s = this.state;
    const { tenantId, userObjectId } = this.deps.params.who;
    try {
      const res = await fetch(SSO_TOKEN_ROUTE, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId, userId: userObjectId }),
      });
      const body = (await res.json().catch(() => ({}))) as { token?: unknown; error?: unknown };
      if (res.ok && typeof body.token === 'string') {
        s.lastAuthToken = body.token;
        s.lastAuthError = undefined;
        return [true, body.token];
      }
      s.lastAuthError = typeof body.error === 'string' ? body.error : `${SSO_TOKEN_ROUTE} answered ${res.status}`;
    } catch (error) {
      s.lastAuthError = `${SSO_TOKEN_ROUTE} failed: ${(error as Error).message}`;
    }
    this.deps.onChange();
    return [false, s.lastAuthError];
  }

  /** Opens the pop-up; its `authentication.notifySuccess/notifyFailure` later answers the tab's request. */
  private authenticate(request: AppRequest, target: Window, answer: (args: unknown[]) => void): void {
    const [url, width, height] = request.args;
    if (this.pendingAuthenticate) return answer([false, 'Another authentication is in progress']);
    if (typeof url !== 'string' || !/^https?:/.test(url)) return answer([false, 'Url should be a valid https url']);
    const features = `popup,width=${Number(width) || 600},height=${Number(height) || 535}`;
    this.popup = this.deps.window.open(url, 'teams-test-host-auth', features);
    if (!this.popup) return answer([false, 'FailedToOpenWindow']);
    // A pop-up closed without notifying is Teams' "CancelledByUser".
    const poll = this.deps.window.setInterval(() => {
      if (this.popup?.closed) this.finishAuthenticate(false, 'CancelledByUser');
    }, POPUP_POLL_MS);
    this.pendingAuthenticate = { request, target, poll };
  }

  private finishAuthenticate(success: boolean, value: string): void {
    const pending = this.pendingAuthenticate;
    if (!pending) return;
    this.deps.window.clearInterval(pending.poll);
    this.pendingAuthenticate = undefined;
    this.state.authenticateResult = { success, value };
    pending.target.postMessage(respond(pending.request, [success, value]), this.origin);
    this.deps.onChange();
  }
}
