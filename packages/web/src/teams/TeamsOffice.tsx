import type { MouseEvent } from 'react';
import { OfficeRoute } from '../office/OfficeRoute.js';
import { SessionContext, type Session } from '../session.js';
import { TeamsActionsContext, type TeamsActions } from '../office/teamsActions.js';
import { api } from '../api.js';

const teamsActions: TeamsActions = {
  nudge: async (officeId, userId, kind) => (await api.teamsNudge({ officeId, userId, kind })).outcome,
  tabLink: async (officeId) => (await api.teamsTabLink(officeId)).url,
};

/**
 * The standalone office screen (map, HUD, people, calls) inside a Teams frame. Its links lead to standalone pages
 * (the offices list, the sign-in page) that have no place in a tab, so clicks on them are answered here instead:
 * sign-in links sign in silently again, the rest leave the office the way the hosting page says.
 */
export function TeamsOffice({ officeId, session, onLeave, showBack }: { officeId: string; session: Session; onLeave(): void; showBack: boolean }) {
  const interceptLinks = (event: MouseEvent<HTMLDivElement>) => {
    const link = (event.target as Element).closest('a[href]');
    const href = link?.getAttribute('href');
    if (!href?.startsWith('/') || link?.getAttribute('target') === '_blank') return;
    event.preventDefault();
    event.stopPropagation();
    if (href.startsWith('/signin')) session.signedOut();
    else onLeave();
  };
  return (
    <SessionContext.Provider value={session}>
      <TeamsActionsContext.Provider value={teamsActions}>
        <div className={`teams-office${showBack ? '' : ' teams-office--no-back'}`} onClickCapture={interceptLinks}>
          <OfficeRoute key={officeId} officeId={officeId} />
        </div>
      </TeamsActionsContext.Provider>
    </SessionContext.Provider>
  );
}
