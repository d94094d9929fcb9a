import './host.css';
import { TeamsHost, type HostState } from './host.js';
import { HostParamError, parseHostParams, type HostParams } from './params.js';
import { THEMES, type Theme } from './protocol.js';

/** What tests read and drive; see README "Teams test host". */
export interface TeamsHostProbe {
  ready: boolean;
  error?: string;
  readonly state?: HostState;
  readonly calls: string[];
  readonly savedConfig?: HostState['savedConfig'];
  readonly lastAuthToken?: string;
  setTheme(theme: Theme): void;
  clickSave(): void;
}
declare global {
  interface Window {
    __teamsHost?: TeamsHostProbe;
  }
}

const THEME_LABELS: Record<Theme, string> = { default: 'Default', dark: 'Dark', contrast: 'High contrast' };

type Child = Node | string;
function el(tag: string, props: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function facts(rows: [string, string | undefined][]): HTMLElement {
  return el('dl', {}, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v ?? '—')]));
}

function start(root: HTMLElement, params: HostParams): void {
  const { who } = params;
  const frame = el('iframe', { title: 'Tab', 'data-testid': 'tab-frame' }) as HTMLIFrameElement;
  const save = el('button', { type: 'button', 'data-testid': 'save' }, 'Save') as HTMLButtonElement;
  const saveStatus = el('span', { 'data-testid': 'save-status' });
  const dialogTitle = el('h1', {}, `Add MetaOffice to ${who.channelName}`);
  const dialogFoot = el('footer', { class: 'th-dialog-foot' }, saveStatus, save);
  const themeButtons = THEMES.map((t) => {
    const b = el('button', { type: 'button', 'data-theme': t }, THEME_LABELS[t]) as HTMLButtonElement;
    b.addEventListener('click', () => host.setTheme(t));
    return b;
  });
  const tabName = el('span', { class: 'th-tab-name', 'data-testid': 'tab-name' });
  const panel = el('aside', { class: 'th-panel', 'data-testid': 'host-panel' });

  root.append(
    el('header', { class: 'th-bar' }, el('strong', {}, 'Teams test host'), el('span', {}, `${who.teamName} › ${who.channelName}`), tabName, el('span', { class: 'th-themes' }, ...themeButtons)),
    el('main', { class: 'th-main' }, el('section', { class: 'th-stage' }, dialogTitle, frame, dialogFoot), panel),
  );

  const render = () => {
    const s = host.state;
    const settings = s.frameContext === 'settings';
    document.documentElement.dataset.theme = s.theme;
    root.dataset.frameContext = s.frameContext;
    dialogTitle.hidden = !settings;
    dialogFoot.hidden = !settings;
    save.disabled = !s.valid || s.saveState === 'saving';
    saveStatus.textContent = s.saveState === 'failed' ? `Save failed: ${s.saveError}` : s.saveState === 'saving' ? 'Saving…' : s.valid ? '' : 'Waiting for the tab to be valid';
    tabName.textContent = s.savedConfig?.suggestedDisplayName ?? (settings ? '(new tab)' : (s.entityId ?? 'tab'));
    for (const b of themeButtons) b.setAttribute('aria-pressed', String(b.dataset.theme === s.theme));
    const config = s.savedConfig ?? s.pendingConfig;
    const status = s.appStatus.map((a) => a.func.replace('appInitialization.', '') + (a.args.length > 1 ? ` (${a.args.filter(Boolean).join(', ')})` : ''));
    panel.replaceChildren(
      el('h2', {}, 'Context'),
      facts([
        ['tenant', who.tenantId],
        ['user', `${who.userObjectId} (${who.userPrincipalName})`],
        ['team group', who.teamGroupId],
        ['channel', who.channelId],
        ['frame', s.frameContext],
        ['entity', s.entityId],
        ['theme', s.theme],
        ['locale', who.locale],
      ]),
      el('h2', {}, 'App'),
      facts([
        ['status', status.join(' → ') || 'not initialized'],
        ['handlers', s.registeredHandlers.join(', ')],
        ['frame url', new URL(s.frameUrl).pathname + new URL(s.frameUrl).search],
      ]),
      el('h2', {}, s.savedConfig ? 'Saved tab' : 'Tab configuration (not saved)'),
      el('div', { 'data-testid': 'config' }, config ? facts([
        ['entityId', config.entityId],
        ['name', config.suggestedDisplayName],
        ['contentUrl', config.contentUrl],
        ['websiteUrl', config.websiteUrl],
      ]) : 'none yet'),
      el('h2', {}, 'Authentication'),
      facts([
        ['SSO token', s.lastAuthToken ? `${s.lastAuthToken.slice(0, 24)}…` : undefined],
        ['last error', s.lastAuthError],
        ['pop-up', s.authenticateResult ? `${s.authenticateResult.success ? 'success' : 'failure'}: ${s.authenticateResult.value}` : undefined],
      ]),
      el('h2', {}, `Calls (${s.calls.length})`),
      el('ol', { class: 'th-calls', 'data-testid': 'calls' }, ...s.calls.slice(-40).map((c) => el('li', {}, c))),
      el('p', {}, `Rejected messages: ${s.rejectedMessages}`),
    );
  };

  const host = new TeamsHost({ window, frame, params, onChange: render });
  save.addEventListener('click', () => host.clickSave());
  window.__teamsHost = {
    ready: true,
    get state() {
      return host.state;
    },
    get calls() {
      return [...host.state.calls];
    },
    get savedConfig() {
      return host.state.savedConfig;
    },
    get lastAuthToken() {
      return host.state.lastAuthToken;
    },
    setTheme: (theme) => host.setTheme(theme),
    clickSave: () => host.clickSave(),
  };
  render();
}

const root = document.getElementById('teams-host')!;
try {
  start(root, parseHostParams(new URLSearchParams(location.search), location.origin));
} catch (error) {
  if (!(error instanceof HostParamError)) throw error;
  root.append(el('p', { role: 'alert', class: 'th-error' }, `Teams test host: bad parameter ${error.message}`));
  window.__teamsHost = {
    ready: false,
    error: error.message,
    calls: [],
    setTheme: () => undefined,
    clickSave: () => undefined,
  };
}
