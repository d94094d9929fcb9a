import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { GraphError } from '../errors.js';
import type { UserRecord } from './directory.js';

export interface OnlineMeeting {
  id: string;
  externalId: string;
  subject: string;
  creationDateTime: string;
  startDateTime: string;
  endDateTime: string;
  joinWebUrl: string;
  organizer: UserRecord;
  attendees: unknown[];
  chatThreadId: string;
}

const DEFAULT_MEETING_MS = 60 * 60_000;

/** Meetings by (organizer, externalId): createOrGet returns the existing one instead of creating again. */
export class MeetingBook {
  private readonly meetings = new Map<string, OnlineMeeting>();

  constructor(private readonly clock: Clock) {}

  find(organizer: UserRecord, externalId: string): OnlineMeeting | undefined {
    return this.meetings.get(key(organizer, externalId));
  }

  /** Checks a createOrGet body before any limit is charged. */
  static externalIdOf(body: unknown): string {
    const externalId = ((body ?? {}) as Record<string, unknown>).externalId;
    if (typeof externalId !== 'string' || externalId.trim() === '') throw new GraphError(400, 'BadRequest', 'externalId is required for createOrGet.');
    return externalId;
  }

  create(organizer: UserRecord, body: unknown): OnlineMeeting {
    const input = (body ?? {}) as Record<string, unknown>;
    const externalId = MeetingBook.externalIdOf(body);
    const now = this.clock.now();
    const start = parseDate(input.startDateTime, 'startDateTime') ?? now;
    const end = parseDate(input.endDateTime, 'endDateTime') ?? start + DEFAULT_MEETING_MS;
    if (end < start) throw new GraphError(400, 'BadRequest', 'endDateTime must not be before startDateTime.');
    const participants = (input.participants ?? {}) as Record<string, unknown>;
    const chatThreadId = `19:meeting_${randomBytes(24).toString('base64url')}@thread.v2`;
    const context = JSON.stringify({ Tid: organizer.tenantId, Oid: organizer.id });
    const meeting: OnlineMeeting = {
      id: Buffer.from(`1*${organizer.id}*0**${chatThreadId}`).toString('base64url'),
      externalId,
      subject: typeof input.subject === 'string' ? input.subject : '',
      creationDateTime: new Date(now).toISOString(),
      startDateTime: new Date(start).toISOString(),
      endDateTime: new Date(end).toISOString(),
      joinWebUrl: `https://teams.microsoft.com/l/meetup-join/${encodeURIComponent(chatThreadId)}/0?context=${encodeURIComponent(context)}`,
      organizer,
      attendees: Array.isArray(participants.attendees) ? participants.attendees : [],
      chatThreadId,
    };
    this.meetings.set(key(organizer, externalId), meeting);
    return meeting;
  }
}

/** The v1.0 onlineMeeting shape Graph returns from createOrGet. */
export function onlineMeetingJson(meeting: OnlineMeeting, graphBaseUrl: string): Record<string, unknown> {
  return {
    '@odata.context': `${graphBaseUrl}/$metadata#users('${meeting.organizer.id}')/onlineMeetings/$entity`,
    id: meeting.id,
    externalId: meeting.externalId,
    creationDateTime: meeting.creationDateTime,
    startDateTime: meeting.startDateTime,
    endDateTime: meeting.endDateTime,
    joinWebUrl: meeting.joinWebUrl,
    subject: meeting.subject,
    isBroadcast: false,
    videoTeleconferenceId: null,
    chatInfo: { threadId: meeting.chatThreadId, messageId: '0', replyChainMessageId: null },
    participants: {
      organizer: {
        upn: meeting.organizer.userPrincipalName,
        role: 'presenter',
        identity: { user: { id: meeting.organizer.id, tenantId: meeting.organizer.tenantId, displayName: meeting.organizer.displayName } },
      },
      attendees: meeting.attendees,
    },
  };
}

function key(organizer: UserRecord, externalId: string): string {
  return `${organizer.tenantId}|${organizer.id}|${externalId}`;
}

function parseDate(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) throw new GraphError(400, 'BadRequest', `${field} must be an ISO 8601 date-time.`);
  return parsed;
}
