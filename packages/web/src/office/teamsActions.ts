import { createContext, useContext } from 'react';

/** What a nudge became (the server's TeamsNudgeView outcome). */
export type NudgeOutcome = 'queued' | 'duplicate' | 'self' | 'queue_full' | 'in_office';

/**
 * Actions only Teams mode offers inside the office screen. The Teams tab provides them; standalone leaves the context
 * empty, so the office screen shows nothing Teams-specific.
 */
export interface TeamsActions {
  nudge(officeId: string, userId: string, kind: 'invite' | 'talk'): Promise<NudgeOutcome>;
  /** The Teams deep link to the office's channel tab (what Invite copies in Teams). */
  tabLink(officeId: string): Promise<string>;
}

export const TeamsActionsContext = createContext<TeamsActions | null>(null);

export function useTeamsActions(): TeamsActions | null {
  return useContext(TeamsActionsContext);
}

export function nudgeResultText(kind: 'invite' | 'talk', outcome: NudgeOutcome | 'failed'): string {
  switch (outcome) {
    case 'queued':
      return kind === 'invite' ? 'Invitation sent to their Teams activity feed' : 'They will see in Teams that you want to talk';
    case 'duplicate':
      return 'Already sent a moment ago';
    case 'in_office':
      return 'They are in an office now: walk up to them';
    case 'queue_full':
      return 'Teams is busy; try again in a minute';
    case 'self':
      return 'That is you';
    default:
      return 'Could not reach Microsoft 365; try again';
  }
}
