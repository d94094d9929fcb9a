/** The Microsoft Graph v1.0 shapes the product reads and writes (only the properties it uses). */

export interface GraphUser {
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  jobTitle?: string | null;
}

export interface GraphTeam {
  id: string;
  displayName?: string | null;
  description?: string | null;
  tenantId?: string | null;
}

export interface GraphTeamMember {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  userId?: string | null;
  email?: string | null;
  roles?: string[];
  tenantId?: string | null;
}

export interface GraphPresence {
  id: string;
  availability: string;
  activity: string;
}

export interface SetPresenceRequest {
  /** The app's client id: the session this app's presence lives in. */
  sessionId: string;
  availability: string;
  activity: string;
  /** ISO 8601 duration, PT5M..PT4H; Graph's default is PT5M. */
  expirationDuration?: string;
}

export interface OnlineMeeting {
  id: string;
  joinWebUrl: string;
  subject?: string | null;
  externalId?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
  [property: string]: unknown;
}

export interface MeetingOptions {
  startDateTime?: string;
  endDateTime?: string;
  participants?: unknown;
}

export interface CreatedOrExistingMeeting {
  meeting: OnlineMeeting;
  /** True when Graph created it (201), false when it returned the meeting already bearing that externalId (200). */
  created: boolean;
}

/**
 * Who receives an activity-feed notification: one user (`/users/{id}/teamwork/...`, the path names the recipient) or a
 * user in the scope of a team (`/teams/{id}/...`, which needs an explicit recipient).
 */
export type ActivityTarget = { kind: 'user'; userId: string } | { kind: 'team'; teamId: string; recipientUserId: string };

export interface ActivityNotification {
  topic: { source: 'text' | 'entityUrl'; value: string; webUrl?: string };
  activityType: string;
  previewText: { content: string };
  templateParameters?: Array<{ name: string; value: string }>;
  chainId?: number;
  teamsAppId?: string;
}

export interface SubscriptionRequest {
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  resource: string;
  expirationDateTime: string | Date;
  clientState: string;
  includeResourceData?: boolean;
  encryptionCertificate?: string;
  encryptionCertificateId?: string;
}

export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string | null;
  expirationDateTime: string;
  clientState?: string | null;
  [property: string]: unknown;
}

/** One request inside a `$batch`; `url` is relative to the version, as Graph expects (`/users/{id}`). */
export interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}
