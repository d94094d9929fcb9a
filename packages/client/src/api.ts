import { SESSION_COOKIE } from '@metaoffice/protocol';
import type {
  AvPreferences, AvatarSpecView,
  CreateOfficeBody, EditLeaseGranted, ErrorCode, InviteInfo, OfficeEditorView, OfficeMapSaved, InviteView, MeExport, MeView, OfficeView, PersonView, Problem, SignInBody, SignOutAllView, SignUpBody, TemplateView,
  TeamsConfigView, TeamsNudgeBody, TeamsNudgeView, TeamsOfficeView, TeamsSignInView, TeamsTabBody, TeamsTabQuery, TeamsTabSaved, TeamsTabView,
} from '@metaoffice/protocol';

/** An HTTP API error with the server's typed code, so callers branch on `code`, not on text. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  /** Origin of the server, e.g. http://localhost:3000. Empty in the browser (same origin). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /**
   * Keep the session cookie in this object instead of the browser's cookie store. Bots, tests and the load generator
   * run outside a browser and need it; in a browser leave it off so the cookie stays HttpOnly.
   */
  cookieJar?: boolean;
}

export { SESSION_COOKIE };

/** The typed SDK for the HTTP API. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly jar: boolean;
  private sessionCookie: string | undefined;

  constructor(opts: ApiClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? '').replace(/\/$/, '');
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.jar = opts.cookieJar ?? false;
  }

  /** The `Cookie` header value to present on a WebSocket upgrade outside the browser. */
  cookieHeader(): string | undefined {
    return this.sessionCookie ? `${SESSION_COOKIE}=${this.sessionCookie}` : undefined;
  }

  signUp(body: SignUpBody): Promise<MeView> {
    return this.request('POST', '/api/auth/signup', body);
  }
  signIn(body: SignInBody): Promise<MeView> {
    return this.request('POST', '/api/auth/signin', body);
  }
  async signOut(): Promise<void> {
    await this.request('POST', '/api/auth/signout');
    this.sessionCookie = undefined;
  }
  /** Ends every session of this person on every device, this one included. */
  async signOutEverywhere(): Promise<SignOutAllView> {
    const r = await this.request<SignOutAllView>('POST', '/api/auth/signout-all');
    this.sessionCookie = undefined;
    return r;
  }
  me(): Promise<MeView> {
    return this.request('GET', '/api/me');
  }
  /** Everything the server keeps about the signed-in person. */
  exportMe(): Promise<MeExport> {
    return this.request('GET', '/api/me/export');
  }
  /** Erases the signed-in account; the password confirms it. */
  async deleteMe(password: string): Promise<void> {
    await this.request('DELETE', '/api/me', { password });
    this.sessionCookie = undefined;
  }
  /** Erases an account without a password (Teams mode): its e-mail address, typed out, confirms it. */
  async deleteMeByEmail(confirm: string): Promise<void> {
    await this.request('DELETE', '/api/me', { confirm });
    this.sessionCookie = undefined;
  }
  /** Admin: deletes the organisation and everything it owns; `confirm` is its exact name. */
  async deleteOrganisation(confirm: string): Promise<void> {
    await this.request('DELETE', '/api/organisation', { confirm });
    this.sessionCookie = undefined;
  }
  /** Admin: the organisation's data as a .tar.gz archive. */
  exportOrganisation(): Promise<Uint8Array> {
    return this.request('GET', '/api/organisation/export', undefined, true);
  }
  createInvite(): Promise<InviteView> {
    return this.request('POST', '/api/invites');
  }
  inviteInfo(token: string): Promise<InviteInfo> {
    return this.request('GET', `/api/invites/${encodeURIComponent(token)}`);
  }
  listOffices(): Promise<OfficeView[]> {
    return this.request('GET', '/api/offices');
  }
  createOffice(body: CreateOfficeBody): Promise<OfficeView> {
    return this.request('POST', '/api/offices', body);
  }
  getOffice(id: string): Promise<OfficeView> {
    return this.request('GET', `/api/offices/${encodeURIComponent(id)}`);
  }
  /** The office's map as Tiled JSON. */
  getOfficeMap(id: string): Promise<unknown> {
    return this.request('GET', `/api/offices/${encodeURIComponent(id)}/map`);
  }
  /**
   * The office's map with its version (the ETag); `atLeastVersion` (from a `map` message) reads past a server cache
   * that has not heard of the save yet.
   */
  async getOfficeMapVersion(id: string, atLeastVersion?: number): Promise<{ map: unknown; version: number | undefined }> {
    let etag: string | null = null;
    const map = await this.request('GET', `/api/offices/${encodeURIComponent(id)}/map${atLeastVersion ? `?version=${atLeastVersion}` : ''}`, undefined, false, {}, (res) => (etag = res.headers.get('etag')));
    const version = Number(/^"(\d+)"$/.exec(etag ?? '')?.[1]);
    return { map, version: Number.isSafeInteger(version) && version > 0 ? version : undefined };
  }
  /** Replaces the office's map (admins), if it is still at `replacesVersion`; 409 MAP_VERSION_CONFLICT otherwise. */
  saveOfficeMap(id: string, map: unknown, replacesVersion: number): Promise<OfficeMapSaved> {
    return this.request('PUT', `/api/offices/${encodeURIComponent(id)}/map`, map, false, { 'if-match': `"${replacesVersion}"` });
  }
  /** Teams mode: the deep link to the office's channel tab. */
  teamsTabLink(officeId: string): Promise<{ url: string }> {
    return this.request('GET', `/api/teams/offices/${encodeURIComponent(officeId)}/link`);
  }
  /** My avatar (the avatar editor's choices; one picked from my id until I choose). */
  avatar(): Promise<AvatarSpecView> {
    return this.request('GET', '/api/me/avatar');
  }
  /** Saves my avatar; the people in my office see it at once. */
  saveAvatar(avatar: AvatarSpecView): Promise<AvatarSpecView> {
    return this.request('PUT', '/api/me/avatar', avatar);
  }
  /** Who is editing the office now, if anyone. */
  officeEditor(id: string): Promise<OfficeEditorView> {
    return this.request('GET', `/api/offices/${encodeURIComponent(id)}/editor`);
  }
  /** Takes the office editor's lease (admins); 423 OFFICE_BEING_EDITED names whoever holds it. */
  takeEditLease(id: string): Promise<EditLeaseGranted> {
    return this.request('POST', `/api/offices/${encodeURIComponent(id)}/editor`);
  }
  async renewEditLease(id: string, token: number): Promise<void> {
    await this.request('PUT', `/api/offices/${encodeURIComponent(id)}/editor`, { token });
  }
  async releaseEditLease(id: string, token: number): Promise<void> {
    await this.request('DELETE', `/api/offices/${encodeURIComponent(id)}/editor`, { token });
  }
  people(officeId: string): Promise<PersonView[]> {
    return this.request('GET', `/api/offices/${encodeURIComponent(officeId)}/people`);
  }
  avPreferences(): Promise<AvPreferences> {
    return this.request('GET', '/api/me/av-preferences');
  }
  saveAvPreferences(p: AvPreferences): Promise<AvPreferences> {
    return this.request('PUT', '/api/me/av-preferences', p);
  }
  listTemplates(): Promise<TemplateView[]> {
    return this.request('GET', '/api/templates');
  }

  /** Teams mode: what the consent pop-up needs (public; 404 NOT_FOUND when the server is not in Teams mode). */
  teamsConfig(): Promise<TeamsConfigView> {
    return this.request('GET', '/api/teams/config');
  }
  /** Teams mode: trades a TeamsJS `getAuthToken` token for a session (CONSENT_REQUIRED, MICROSOFT_UNAVAILABLE). */
  teamsSignIn(token: string): Promise<TeamsSignInView> {
    return this.request('POST', '/api/teams/sso', { token });
  }
  /** Teams mode: the office of one channel tab, or `office: null` when the tab has none (any more). */
  teamsTab(tab: TeamsTabQuery): Promise<TeamsTabView> {
    const query = new URLSearchParams({ teamId: tab.teamId, channelId: tab.channelId, entityId: tab.entityId });
    return this.request('GET', `/api/teams/tab?${query}`);
  }
  /** Teams mode: creates or edits the office of a channel tab (the configuration page's save). */
  saveTeamsTab(body: TeamsTabBody): Promise<TeamsTabSaved> {
    return this.request('PUT', '/api/teams/tab', body);
  }
  /** Teams mode: an activity-feed notice to a team member ("invited you to the office", "wants to talk"). */
  teamsNudge(body: TeamsNudgeBody): Promise<TeamsNudgeView> {
    return this.request('POST', '/api/teams/nudge', body);
  }
  /** Teams mode: the person's offices, from the teams they joined that have an office tab. */
  teamsOffices(): Promise<TeamsOfficeView[]> {
    return this.request('GET', '/api/teams/offices');
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    binary = false,
    extraHeaders: Record<string, string> = {},
    onResponse?: (res: Response) => void,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: binary ? '*/*' : 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const cookie = this.jar ? this.cookieHeader() : undefined;
    if (cookie) headers.cookie = cookie;
    let res: Response;
    try {
      res = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'include',
      });
    } catch (err) {
      throw new ApiError('UNAVAILABLE', 0, `server unreachable: ${(err as Error).message}`);
    }
    if (this.jar) this.keepCookie(res);
    onResponse?.(res);
    if (binary && res.ok) return new Uint8Array(await res.arrayBuffer()) as T;
    const text = await res.text();
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const p = parsed as Partial<Problem> | undefined;
      const code = (p?.code ?? (res.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL')) as ErrorCode;
      throw new ApiError(code, res.status, p?.detail ?? p?.title ?? res.statusText, p as Problem | undefined);
    }
    return parsed as T;
  }

  private keepCookie(res: Response): void {
    const all = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [res.headers.get('set-cookie') ?? ''];
    for (const line of all) {
      const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(line);
      if (!m) continue;
      // An emptied cookie (sign-out) or one already expired removes the session from the jar.
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line);
      this.sessionCookie = expired || !m[1] ? undefined : m[1];
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
