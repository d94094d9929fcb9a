import { useEffect, useState } from 'react';
import type { OfficeConnection } from '@metaoffice/client';

/**
 * Teams mode: the call's Teams meeting, for what the office's own call cannot do (screen sharing, dial-in). The server
 * sends the link once the meeting exists (created once per conversation or room, then reused); it is shown only
 * while that conversation is the current one.
 */
export function TeamsMeetingLink({ conn, conversationId }: { conn: OfficeConnection; conversationId: string }) {
  const [meeting, setMeeting] = useState<{ conversationId: string; joinWebUrl: string } | null>(null);
  useEffect(() => conn.on('meeting', (m) => setMeeting(m)), [conn]);
  if (!meeting || meeting.conversationId !== conversationId) return null;
  return (
    <a
      className="teams-meeting-link"
      data-testid="join-teams"
      href={meeting.joinWebUrl}
      target="_blank"
      rel="noopener noreferrer"
      title="Open this conversation's Teams meeting, to share your screen"
    >
      Join on Teams
    </a>
  );
}
