import { useEffect, useMemo, useState } from 'react';
import type { OfficeView } from '@metaoffice/protocol';
import { api, describeError, errorCode } from '../api.js';
import { loadOfficeView } from '../office/OfficeRoute.js';
import { contentTabKey, TeamsContextError, type TabKey, type TeamsPageContext } from './context.js';
import { reportFailure } from './teamsHost.js';
import { Centered, Problem } from './parts.js';
import { SignInGate, useTeamsSignIn } from './useTeamsSignIn.js';
import { TeamsOffice } from './TeamsOffice.js';
import type { Session } from '../session.js';

/** The channel tab's content: the office this tab was configured with, on the standalone office screen. */
export function TabPage({ ctx }: { ctx: TeamsPageContext }) {
  const key = useMemo<TabKey | TeamsContextError>(() => {
    try {
      return contentTabKey(ctx);
    } catch (err) {
      if (err instanceof TeamsContextError) return err;
      throw err;
    }
  }, [ctx]);
  const signIn = useTeamsSignIn(ctx);
  // The office's Phaser chunk downloads while the sign-in runs.
  useEffect(() => void loadOfficeView().catch(() => undefined), []);
  useEffect(() => {
    if (key instanceof TeamsContextError) reportFailure(key.message);
  }, [key]);
  if (key instanceof TeamsContextError) return <Problem title="This tab is not set up correctly">{key.message}</Problem>;
  return <SignInGate signIn={signIn}>{(session) => <TabOffice tab={key} session={session} />}</SignInGate>;
}

type Lookup = { status: 'loading' } | { status: 'found'; office: OfficeView } | { status: 'none' } | { status: 'error'; code: string | undefined; message: string };

function TabOffice({ tab, session }: { tab: TabKey; session: Session }) {
  const [lookup, setLookup] = useState<Lookup>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setLookup({ status: 'loading' });
    api.teamsTab(tab).then(
      ({ office }) => live && setLookup(office ? { status: 'found', office } : { status: 'none' }),
      (err: unknown) => live && setLookup({ status: 'error', code: errorCode(err), message: describeError(err) }),
    );
    return () => {
      live = false;
    };
  }, [tab, attempt]);
  const again = () => setAttempt((n) => n + 1);

  switch (lookup.status) {
    case 'loading':
      return <Centered label="Opening the office…" />;
    case 'found':
      return <TeamsOffice officeId={lookup.office.id} session={session} onLeave={again} showBack={false} />;
    case 'none':
      return (
        <Problem title="This tab has no office any more" intent="warning" testId="tab-without-office">
          <p className="teams-text">
            Its office was deleted. To give this channel an office again, open the tab's menu, choose Settings and save, or remove the tab.
          </p>
        </Problem>
      );
    case 'error':
      return lookup.code === 'MICROSOFT_UNAVAILABLE' ? (
        <Problem title="Microsoft 365 is not answering" testId="microsoft-unavailable" action={{ label: 'Try again', onClick: again }}>
          <p className="teams-text">MetaOffice could not check this team with Microsoft 365. Try again in a moment.</p>
        </Problem>
      ) : (
        <Problem title="The office could not be opened" action={{ label: 'Try again', onClick: again }}>
          <p className="teams-text">
            {lookup.code === 'FORBIDDEN' || lookup.code === 'MICROSOFT_REFUSED' ? 'Only members of this team can enter its office.' : lookup.message}
          </p>
        </Problem>
      );
  }
}
