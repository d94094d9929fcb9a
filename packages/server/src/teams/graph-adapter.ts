import type { GraphGateway, TokenSource } from '@metaoffice/graph';
import type { ActivityNotice, GraphCaller, GraphMeeting, GraphMember, GraphPresence, GraphProfile, GraphSubscription, GraphTeam, TeamsGraph } from './teams-graph.js';

/** `TeamsGraph` on the one governed Graph client of the server (@metaoffice/graph). */
export class GraphAdapter implements TeamsGraph {
  constructor(
    private readonly gateway: GraphGateway,
    /** The Teams app id the activity-feed notices name (the manifest's id). */
    private readonly teamsAppId?: string,
  ) {}

  async me(c: GraphCaller): Promise<GraphProfile> {
    const u = await this.gateway.me(source(c), { priority: c.priority ?? 'interactive', select: ['id', 'displayName', 'mail', 'userPrincipalName'] });
    return { id: u.id, displayName: u.displayName ?? '', mail: u.mail ?? null, userPrincipalName: u.userPrincipalName ?? '' };
  }

  async user(c: GraphCaller, objectId: string): Promise<GraphProfile> {
    const u = await this.gateway.user(source(c), objectId, ['id', 'displayName', 'mail', 'userPrincipalName'], { priority: c.priority ?? 'normal' });
    return { id: u.id, displayName: u.displayName ?? '', mail: u.mail ?? null, userPrincipalName: u.userPrincipalName ?? '' };
  }

  async joinedTeams(c: GraphCaller): Promise<GraphTeam[]> {
    return (await this.gateway.joinedTeams(source(c), { priority: c.priority ?? 'interactive' })).map((t) => ({ id: t.id, displayName: t.displayName ?? '' }));
  }

  async teamMembers(c: GraphCaller, teamId: string): Promise<GraphMember[]> {
    const members = await this.gateway.teamMembers(source(c), teamId, { priority: c.priority ?? 'normal' });
    return members.filter((m) => m.userId).map((m) => ({ userId: m.userId!, displayName: m.displayName ?? '', email: m.email ?? null }));
  }

  presences(c: GraphCaller, objectIds: readonly string[]): Promise<GraphPresence[]> {
    return this.gateway.presences(source(c), objectIds, { priority: c.priority ?? 'background' });
  }

  setPresence(c: GraphCaller, objectId: string, p: Parameters<TeamsGraph['setPresence']>[2]): Promise<void> {
    return this.gateway.setPresence(source(c), objectId, p, { priority: c.priority ?? 'normal' });
  }

  clearPresence(c: GraphCaller, objectId: string, sessionId: string): Promise<void> {
    return this.gateway.clearPresence(source(c), objectId, sessionId, { priority: c.priority ?? 'normal' });
  }

  async createOrGetMeeting(c: GraphCaller, externalId: string, subject: string): Promise<GraphMeeting> {
    const r = await this.gateway.createOrGetMeeting(source(c), externalId, subject, { priority: c.priority ?? 'normal' });
    return { id: r.meeting.id, joinWebUrl: r.meeting.joinWebUrl, created: r.created };
  }

  sendActivity(c: GraphCaller, n: ActivityNotice): Promise<void> {
    const target = n.teamId ? { kind: 'team' as const, teamId: n.teamId, recipientUserId: n.recipientUserId } : { kind: 'user' as const, userId: n.recipientUserId };
    return this.gateway.sendActivityNotification(
      source(c),
      target,
      {
        topic: { source: 'text', value: 'MetaOffice', webUrl: n.webUrl },
        activityType: n.activityType,
        previewText: { content: n.previewText },
        templateParameters: n.templateParameters,
        ...(this.teamsAppId ? { teamsAppId: this.teamsAppId } : {}),
      },
      { priority: c.priority ?? 'normal' },
    );
  }

  async subscribePresence(c: GraphCaller, s: Parameters<TeamsGraph['subscribePresence']>[1]): Promise<GraphSubscription> {
    const ids = s.objectIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(',');
    const r = await this.gateway.createSubscription(source(c), {
      changeType: 'updated',
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      resource: `/communications/presences?$filter=id in (${ids})`,
      expirationDateTime: new Date(s.expiresAt).toISOString(),
      clientState: s.clientState,
    }, { priority: c.priority ?? 'normal' });
    return { id: r.id, expirationDateTime: r.expirationDateTime };
  }

  async renewSubscription(c: GraphCaller, id: string, expiresAt: number): Promise<GraphSubscription> {
    const r = await this.gateway.renewSubscription(source(c), id, new Date(expiresAt), { priority: c.priority ?? 'normal' });
    return { id: r.id, expirationDateTime: r.expirationDateTime };
  }

  deleteSubscription(c: GraphCaller, id: string): Promise<void> {
    return this.gateway.deleteSubscription(source(c), id, { priority: c.priority ?? 'background' });
  }
}

function source(c: GraphCaller): TokenSource {
  return { tenantId: c.tenantId, getToken: c.token, ...(c.objectId ? { userId: c.objectId } : {}) };
}
