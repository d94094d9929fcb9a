import type { Activity, Availability } from '@metaoffice/protocol';

/**
 * The Microsoft Graph calls Teams mode makes, as the server needs them. `GraphAdapter` implements it on
 * @metaoffice/graph (one client behind the limit governor); tests may substitute their own.
 */
export interface GraphCaller {
  tenantId: string;
  /** A delegated access token for the person the call is made for. */
  token(): Promise<string>;
  /** interactive: someone waits on the answer; background: polling and prefetch, shed first under pressure. */
  priority?: 'interactive' | 'normal' | 'background';
  /** The Entra object id the token acts for, where Graph limits per user (online meetings per organiser). */
  objectId?: string;
}

export interface GraphProfile {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
}

export interface GraphTeam {
  id: string;
  displayName: string;
}

export interface GraphMember {
  userId: string;
  displayName: string;
  email: string | null;
}

export interface GraphPresence {
  id: string;
  availability: string;
  activity: string;
}

export interface GraphMeeting {
  id: string;
  joinWebUrl: string;
  /** 201 from createOrGet: a new meeting (counted against the organizer's monthly limit). */
  created: boolean;
}

export interface GraphSubscription {
  id: string;
  expirationDateTime: string;
}

export interface ActivityNotice {
  recipientUserId: string;
  teamId: string | null;
  activityType: 'officeInvite' | 'wantsToTalk';
  previewText: string;
  webUrl: string;
  templateParameters: { name: string; value: string }[];
}

export interface TeamsGraph {
  me(c: GraphCaller): Promise<GraphProfile>;
  /** Another person's profile (`/users/{id}` with `$select`): their UPN, which the members list does not give. */
  user(c: GraphCaller, objectId: string): Promise<GraphProfile>;
  joinedTeams(c: GraphCaller): Promise<GraphTeam[]>;
  teamMembers(c: GraphCaller, teamId: string): Promise<GraphMember[]>;
  presences(c: GraphCaller, objectIds: readonly string[]): Promise<GraphPresence[]>;
  setPresence(c: GraphCaller, objectId: string, p: { sessionId: string; availability: Availability; activity: Activity; expirationDuration: string }): Promise<void>;
  clearPresence(c: GraphCaller, objectId: string, sessionId: string): Promise<void>;
  createOrGetMeeting(c: GraphCaller, externalId: string, subject: string): Promise<GraphMeeting>;
  sendActivity(c: GraphCaller, n: ActivityNotice): Promise<void>;
  subscribePresence(c: GraphCaller, s: { objectIds: readonly string[]; notificationUrl: string; lifecycleNotificationUrl: string; clientState: string; expiresAt: number }): Promise<GraphSubscription>;
  renewSubscription(c: GraphCaller, id: string, expiresAt: number): Promise<GraphSubscription>;
  deleteSubscription(c: GraphCaller, id: string): Promise<void>;
}

/** Graph's presence vocabulary mapped onto ours (protocol's Availability is Graph's, minus the *Idle variants). */
export function fromGraphAvailability(a: string): Availability {
  switch (a) {
    case 'Available':
    case 'AvailableIdle':
      return 'Available';
    case 'Busy':
    case 'BusyIdle':
      return 'Busy';
    case 'DoNotDisturb':
      return 'DoNotDisturb';
    case 'BeRightBack':
      return 'BeRightBack';
    case 'Away':
      return 'Away';
    default:
      return 'Offline';
  }
}
