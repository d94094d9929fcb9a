import { loadTemplateMap, templates } from '@metaoffice/maps';
import type { MeView, TeamsTabBody, TeamsTabQuery } from '@metaoffice/protocol';
import { OfficeMap } from '@metaoffice/world';
import { AppError } from '../errors.js';
import type { AuthService } from '../auth/auth-service.js';
import { StorageError, type Office, type Store, type TeamsTab, type TeamsTabKey, type User } from '../storage/index.js';
import { GraphTokenError, type GraphTokenBroker } from './graph-tokens.js';
import { SsoTokenError, type TeamsSsoValidator } from './sso.js';
import type { GraphCaller, GraphMember, GraphTeam, TeamsGraph } from './teams-graph.js';
import { TtlCache } from './ttl-cache.js';
import type { ActivityOutcome, ActivityQueue } from './activity-queue.js';
import { channelDigest, type ChannelSeal } from './channel-ids.js';

export interface TeamsServiceDeps {
  store: Store;
  auth: AuthService;
  sso: TeamsSsoValidator;
  tokens: GraphTokenBroker;
  graph: TeamsGraph;
  publicUrl: string;
  /** Seals a tab's channel id for links into Teams; the id itself is never stored (channel-ids.ts). */
  channels: ChannelSeal;
  /** Counts refused sign-in tokens by reason (metrics). */
  onRejectedToken?: (reason: string) => void;
  now?: () => number;
}

/** How long a person's joined teams and a team's members are reused before Graph is asked again (refreshed on visit). */
const MEMBERSHIP_TTL_MS = 5 * 60_000;

/**
 * Teams mode's people and offices: SSO sign-in (token → on-behalf-of → Graph profile → session), channel tabs as
 * offices, and who may see which office (the members of the tab's team). Membership comes from Graph, cached briefly
 * and refreshed when someone visits; it is never polled.
 */
export class TeamsService {
  private readonly joined: TtlCache<string, GraphTeam[]>;
  private readonly members: TtlCache<string, GraphMember[]>;

  constructor(private readonly d: TeamsServiceDeps) {
    const now = d.now ?? Date.now;
    this.joined = new TtlCache(MEMBERSHIP_TTL_MS, 50_000, now);
    this.members = new TtlCache(MEMBERSHIP_TTL_MS, 10_000, now);
  }

  /** A caller acting for a person who signed in through Teams before (their token comes from the sealed cache). */
  callerFor(user: User, tenantId: string, priority: GraphCaller['priority'] = 'interactive'): GraphCaller {
    return { tenantId, priority, token: async () => (await this.d.tokens.forUser(user.id, tenantId)).accessToken };
  }

  async signIn(ssoToken: string, previousSession: string | undefined): Promise<{ me: MeView; token: string; expiresAt: number; tenantId: string }> {
    let who;
    try {
      who = await this.d.sso.validate(ssoToken);
    } catch (err) {
      if (err instanceof SsoTokenError) {
        this.d.onRejectedToken?.(err.reason);
        if (err.reason === 'keys_unavailable') throw new AppError('MICROSOFT_UNAVAILABLE', 503, 'Microsoft 365 is not answering (its sign-in keys could not be fetched). Try again in a moment.');
        throw new AppError('UNAUTHENTICATED', 401, `Teams sign-in refused: ${err.message}`);
      }
      throw err;
    }
    const { store } = this.d;
    const domain = who.upn.split('@')[1] ?? 'Microsoft 365';
    const org = await store.teams.organisationOfTenant(who.tenantId, domain);
    const email = who.upn.includes('@') ? who.upn : `${who.objectId}@${who.tenantId}.invalid`;
    let user = await this.upsert(org.id, { tenantId: who.tenantId, objectId: who.objectId, upn: who.upn, email, name: who.name });
    const token = await this.d.tokens.exchange(user.id, who.tenantId, ssoToken).catch((err: unknown) => {
      throw tokenProblem(err);
    });
    // The profile is read at every sign-in (DESIGN §5: accessed and updated after each login).
    const profile = await this.d.graph.me({ tenantId: who.tenantId, priority: 'interactive', token: async () => token.accessToken });
    user = await this.upsert(org.id, { tenantId: who.tenantId, objectId: who.objectId, upn: profile.userPrincipalName || who.upn, email: profile.mail || profile.userPrincipalName || email, name: (profile.displayName || who.name).slice(0, 60) });
    this.joined.delete(user.id);
    const session = await this.d.auth.signInVerified(user, previousSession);
    return { ...session, tenantId: who.tenantId };
  }

  async tenantOf(user: User): Promise<string> {
    const tenantId = await this.d.store.teams.tenantOf(user.orgId);
    if (!tenantId) throw new AppError('FORBIDDEN', 403, 'This is a Teams office page; sign in through Microsoft Teams.');
    return tenantId;
  }

  async tab(user: User, q: TeamsTabQuery): Promise<Office | undefined> {
    const tenantId = await this.tenantOf(user);
    const key = this.tabKey(tenantId, q);
    const tab = await this.d.store.teams.tab(key);
    if (!tab || tab.orgId !== user.orgId) return undefined;
    await this.requireMember(user, tenantId, q.teamId);
    // A tab saved before channel ids were sealed gets its sealed id now, from the context it was opened in.
    if (this.channelIdOf(tab) === undefined) await this.d.store.teams.saveTab({ ...tab, channelSealed: this.d.channels.seal(key.channelDigest, q.channelId) });
    return this.d.store.offices.byId(tab.officeId);
  }

  /** The stored key of a tab: the channel only as its digest. */
  private tabKey(tenantId: string, q: TeamsTabQuery): TeamsTabKey {
    return { tenantId, teamId: q.teamId, channelDigest: channelDigest(tenantId, q.channelId), entityId: q.entityId };
  }

  private channelIdOf(tab: TeamsTab): string | undefined {
    return this.d.channels.open(tab.channelDigest, tab.channelSealed);
  }

  /** Creates the tab's office on first configuration; later saves (Settings reopened) rename the same office. */
  async saveTab(user: User, b: TeamsTabBody): Promise<Office> {
    const tenantId = await this.tenantOf(user);
    await this.requireMember(user, tenantId, b.teamId);
    const key = this.tabKey(tenantId, b);
    const channelSealed = this.d.channels.seal(key.channelDigest, b.channelId);
    const name = b.name.trim();
    const description = (b.description ?? '').trim();
    if (!name) throw new AppError('VALIDATION_FAILED', 400, 'The office needs a name.', [{ path: '/name', message: 'must not be blank' }]);
    const existing = await this.d.store.teams.tab(key);
    if (existing) {
      if (this.channelIdOf(existing) === undefined) await this.d.store.teams.saveTab({ ...existing, channelSealed });
      return this.d.store.offices.rename(existing.officeId, name, description);
    }
    const templateId = b.template ?? templates[0]!.id;
    if (!templates.some((t) => t.id === templateId)) throw new AppError('VALIDATION_FAILED', 400, `Unknown template "${templateId}".`, [{ path: '/template', message: 'unknown template' }]);
    const tmj = loadTemplateMap(templateId);
    OfficeMap.fromTiled(tmj);
    return this.d.store.transaction(async (tx) => {
      const office = await tx.offices.create({ orgId: user.orgId, name, description, template: templateId, mapJson: JSON.stringify(tmj) });
      await tx.teams.saveTab({ ...key, channelSealed, orgId: user.orgId, officeId: office.id });
      return office;
    });
  }

  /** The person's offices: their joined teams (from Graph) that have an office tab. */
  async offices(user: User): Promise<{ office: Office; teamId: string; teamName: string }[]> {
    const tenantId = await this.tenantOf(user);
    const teams = await this.joinedTeams(user, tenantId, true);
    const names = new Map(teams.map((t) => [t.id, t.displayName]));
    const tabs = await this.d.store.teams.tabsInTeams(user.orgId, teams.map((t) => t.id));
    const out = [];
    for (const t of tabs) {
      const office = await this.d.store.offices.byId(t.officeId);
      if (office) out.push({ office, teamId: t.teamId, teamName: names.get(t.teamId) ?? '' });
    }
    return out;
  }

  /**
   * May this person enter this office? Standalone offices follow the organisation rule alone; a Teams office also
   * needs membership of the tab's team.
   */
  async mayEnter(user: User, officeId: string): Promise<boolean> {
    const tenantId = await this.d.store.teams.tenantOf(user.orgId);
    if (!tenantId) return true;
    const tabs = await this.d.store.teams.tabsOfOffice(officeId);
    if (tabs.length === 0) return true;
    const teams = await this.joinedTeams(user, tenantId, false);
    return tabs.some((t) => teams.some((j) => j.id === t.teamId));
  }

  /**
   * The people of a Teams office: the members of its team. Members who never opened the tab are stored too (their
   * identifiers, as the data rules allow), so they appear in the People panel and can be nudged.
   */
  async people(user: User, officeId: string): Promise<User[] | undefined> {
    const tenantId = await this.d.store.teams.tenantOf(user.orgId);
    if (!tenantId) return undefined;
    const tab = (await this.d.store.teams.tabsOfOffice(officeId))[0];
    if (!tab) return undefined;
    let members = this.members.get(tab.teamId);
    if (!members) {
      members = await this.d.graph.teamMembers(this.callerFor(user, tenantId), tab.teamId).catch((err: unknown) => {
        throw graphProblem(err);
      });
      this.members.set(tab.teamId, members);
    }
    const known = await this.d.store.teams.usersByObjectIds(user.orgId, members.map((m) => m.userId));
    const out: User[] = [];
    const caller = this.callerFor(user, tenantId, 'normal');
    for (const m of members) {
      let u = known.get(m.userId);
      if (!u) {
        // First time this member is seen: their profile (/users/{id}, $select) gives the UPN the members list lacks.
        const profile = await this.d.graph.user(caller, m.userId).catch(() => undefined);
        const upn = profile?.userPrincipalName || m.email || '';
        const email = profile?.mail || m.email || upn || `${m.userId}@${tenantId}.invalid`;
        u = await this.upsert(user.orgId, { tenantId, objectId: m.userId, upn, email, name: (profile?.displayName || m.displayName || 'Someone').slice(0, 60) }).catch(() => undefined);
      }
      if (u) out.push(u);
    }
    return out;
  }

  /** The Teams deep link that opens the office's channel tab (what the activity feed's notices open too). */
  async tabLink(user: User, officeId: string, teamsAppId: string): Promise<string> {
    // A local account has no Teams to open the link in: refused like every Teams route (403).
    await this.tenantOf(user);
    const office = await this.d.store.offices.byId(officeId);
    if (!office || office.orgId !== user.orgId || !(await this.mayEnter(user, officeId))) throw new AppError('NOT_FOUND', 404, 'Office not found.');
    const tab = (await this.d.store.teams.tabsOfOffice(officeId))[0];
    if (!tab) throw new AppError('NOT_FOUND', 404, 'This office is not a Teams tab.');
    return tabDeepLink(teamsAppId, { entityId: tab.entityId, channelId: this.channelIdOf(tab) });
  }

  /**
   * An activity-feed notice to a member of the office's team: "invited you to the office" (anyone not in it) or
   * "wants to talk" (only when they are in no office: otherwise walking up to them is the way). Queued per tenant,
   * de-duplicated, never to oneself (ActivityQueue).
   */
  async nudge(
    sender: User,
    officeId: string,
    recipientUserId: string,
    kind: 'invite' | 'talk',
    deps: { queue: ActivityQueue; inOffice: (userId: string) => boolean; teamsAppId: string },
  ): Promise<ActivityOutcome | 'in_office'> {
    const tenantId = await this.tenantOf(sender);
    const office = await this.d.store.offices.byId(officeId);
    if (!office || office.orgId !== sender.orgId || !(await this.mayEnter(sender, officeId))) throw new AppError('NOT_FOUND', 404, 'Office not found.');
    const tab = (await this.d.store.teams.tabsOfOffice(officeId))[0];
    if (!tab) throw new AppError('NOT_FOUND', 404, 'This office is not a Teams tab.');
    const people = (await this.people(sender, officeId)) ?? [];
    const recipient = people.find((p) => p.id === recipientUserId);
    if (!recipient) throw new AppError('PERSON_NOT_FOUND', 404, 'That person is not a member of this office\'s team.');
    if (kind === 'talk' && deps.inOffice(recipient.id)) return 'in_office';
    const objectId = (await this.d.store.teams.objectIdsOf([recipient.id])).get(recipient.id);
    if (!objectId) throw new AppError('PERSON_NOT_FOUND', 404, 'That person has no Microsoft 365 identity.');
    // The notice opens the tab itself: a Teams deep link to the app's channel tab.
    const webUrl = tabDeepLink(deps.teamsAppId, { entityId: tab.entityId, channelId: this.channelIdOf(tab) });
    return deps.queue.enqueue({
      tenantId,
      senderUserId: sender.id,
      recipientUserId: recipient.id,
      caller: this.callerFor(sender, tenantId, 'normal'),
      notice: {
        recipientUserId: objectId,
        teamId: tab.teamId,
        activityType: kind === 'invite' ? 'officeInvite' : 'wantsToTalk',
        previewText: kind === 'invite' ? `${sender.name} invited you to ${office.name}` : `${sender.name} wants to talk`,
        webUrl,
        templateParameters: [{ name: 'officeName', value: office.name }],
      },
    });
  }

  private async requireMember(user: User, tenantId: string, teamId: string): Promise<void> {
    let teams = await this.joinedTeams(user, tenantId, false);
    // A cached list may predate joining the team: ask again once before refusing.
    if (!teams.some((t) => t.id === teamId)) teams = await this.joinedTeams(user, tenantId, true);
    if (!teams.some((t) => t.id === teamId)) throw new AppError('FORBIDDEN', 403, 'You are not a member of this team, so its office is not yours to open or change.');
  }

  private async joinedTeams(user: User, tenantId: string, refresh: boolean): Promise<GraphTeam[]> {
    const cached = refresh ? undefined : this.joined.get(user.id);
    if (cached) return cached;
    const teams = await this.d.graph.joinedTeams(this.callerFor(user, tenantId)).catch((err: unknown) => {
      throw graphProblem(err);
    });
    this.joined.set(user.id, teams);
    return teams;
  }

  private async upsert(orgId: string, who: Parameters<Store['teams']['upsertPerson']>[1]): Promise<User> {
    try {
      return await this.d.store.teams.upsertPerson(orgId, who);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'EMAIL_TAKEN') {
        throw new AppError('EMAIL_TAKEN', 409, `Another MetaOffice account already uses ${who.email}; it cannot also be a Teams account here.`);
      }
      throw err;
    }
  }
}

/** Token failures as the tab must show them: consent pop-up, sign in again, or "Microsoft 365 is not answering". */
export function tokenProblem(err: unknown): AppError {
  if (!(err instanceof GraphTokenError)) return graphProblem(err);
  switch (err.kind) {
    case 'consent_required':
    case 'interaction_required':
      return new AppError('CONSENT_REQUIRED', 403, `${err.message} MetaOffice reads your profile, your teams and their members, shows and sets presence, creates Teams meetings for conversations and sends activity-feed notices.`);
    case 'no_cached_token':
      return new AppError('CONSENT_REQUIRED', 403, err.message);
    case 'refused':
      return new AppError('MICROSOFT_REFUSED', 502, err.message);
    default:
      return new AppError('MICROSOFT_UNAVAILABLE', 503, 'Microsoft 365 is not answering. The office keeps working; try again in a moment.');
  }
}

/** Graph failures (typed by @metaoffice/graph; see GraphAdapter) as problems the UI can explain. */
export function graphProblem(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof GraphTokenError) return tokenProblem(err);
  const e = err as { status?: number; name?: string; message?: string };
  if (e.name === 'GraphConsentError' || e.status === 403) return new AppError('MICROSOFT_REFUSED', 403, 'Microsoft 365 refused: the app lacks a permission (an admin may need to grant consent).');
  if (e.status === 404) return new AppError('MICROSOFT_REFUSED', 404, 'Microsoft 365 does not know this team or person (any more).');
  if (e.status === 401) return new AppError('CONSENT_REQUIRED', 403, 'Microsoft 365 needs you to sign in again.');
  return new AppError('MICROSOFT_UNAVAILABLE', 503, 'Microsoft 365 is not answering. The office keeps working; try again in a moment.');
}

/**
 * A Teams deep link to an app's channel tab: Teams opens the team, the channel and the tab. Without the channel id (a
 * tab not opened since channel ids were sealed) the link names the tab only, and Teams opens the app.
 */
export function tabDeepLink(teamsAppId: string, tab: { entityId: string; channelId: string | undefined }): string {
  const base = `https://teams.microsoft.com/l/entity/${teamsAppId}/${encodeURIComponent(tab.entityId)}`;
  return tab.channelId === undefined ? base : `${base}?context=${encodeURIComponent(JSON.stringify({ channelId: tab.channelId }))}`;
}
