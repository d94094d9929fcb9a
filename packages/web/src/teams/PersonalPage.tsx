import { useEffect, useState } from 'react';
import { Body1, Caption1, Card, CardFooter, CardHeader, CardPreview, Text, Title3 } from '@fluentui/react-components';
import type { TeamsOfficeView } from '@metaoffice/protocol';
import { api, describeError, errorCode } from '../api.js';
import { navigate } from '../router.js';
import type { Session } from '../session.js';
import type { TeamsPageContext } from './context.js';
import { Centered, Problem } from './parts.js';
import { SignInGate, useTeamsSignIn } from './useTeamsSignIn.js';
import { TeamsOffice } from './TeamsOffice.js';

export const PERSONAL_PATH = '/teams/personal';

/** The personal tab: the offices of the person's teams, and the chosen one in the same frame. */
export function PersonalPage({ ctx, officeId }: { ctx: TeamsPageContext; officeId: string | null }) {
  const signIn = useTeamsSignIn(ctx);
  return (
    <SignInGate signIn={signIn}>
      {(session) =>
        officeId ? (
          <TeamsOffice officeId={officeId} session={session} onLeave={() => navigate(PERSONAL_PATH)} showBack />
        ) : (
          <OfficeCards session={session} />
        )
      }
    </SignInGate>
  );
}

function enter(officeId: string): void {
  navigate(`${PERSONAL_PATH}?office=${encodeURIComponent(officeId)}`);
}

type Listing = { status: 'loading' } | { status: 'ready'; offices: TeamsOfficeView[] } | { status: 'error'; code: string | undefined; message: string };

function OfficeCards({ session }: { session: Session }) {
  const [listing, setListing] = useState<Listing>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setListing({ status: 'loading' });
    api.teamsOffices().then(
      (offices) => live && setListing({ status: 'ready', offices }),
      (err: unknown) => live && setListing({ status: 'error', code: errorCode(err), message: describeError(err) }),
    );
    return () => {
      live = false;
    };
  }, [attempt, session]);

  if (listing.status === 'loading') return <Centered label="Finding your offices…" />;
  if (listing.status === 'error') {
    const microsoft = listing.code === 'MICROSOFT_UNAVAILABLE';
    return (
      <Problem
        title={microsoft ? 'Microsoft 365 is not answering' : 'Your offices could not be listed'}
        testId={microsoft ? 'microsoft-unavailable' : undefined}
        action={{ label: 'Try again', onClick: () => setAttempt((n) => n + 1) }}
      >
        <p className="teams-text">{microsoft ? 'MetaOffice could not list your teams. Try again in a moment.' : listing.message}</p>
      </Problem>
    );
  }
  return (
    <main className="teams-page teams-page--wide" data-testid="teams-personal">
      <Title3 as="h1">Your offices</Title3>
      {listing.offices.length === 0 ? (
        <Body1 as="p" className="teams-text">
          None of your teams has an office yet. To add one, open a channel, select + (Add a tab) and choose MetaOffice.
        </Body1>
      ) : (
        <ul className="teams-cards" aria-label="Your offices">
          {listing.offices.map((o) => (
            <li key={o.office.id}>
              <Card
                className="teams-card"
                role="button"
                onClick={() => enter(o.office.id)}
                onKeyDown={(e) => {
                  if (e.key !== 'Enter' && e.key !== ' ') return;
                  e.preventDefault();
                  enter(o.office.id);
                }}
                aria-label={`${o.office.name}, ${o.teamName}: enter the office`}
                data-testid="teams-office-card"
              >
                <CardPreview>
                  <img src={o.office.thumbnailUrl} alt="" className="teams-card-thumb" />
                </CardPreview>
                <CardHeader header={<Text weight="semibold">{o.office.name}</Text>} description={<Caption1>{o.teamName}</Caption1>} />
                {o.office.description && <Body1 className="teams-card-description">{o.office.description}</Body1>}
                <CardFooter>
                  <Caption1>{o.office.online === 1 ? '1 inside now' : `${o.office.online} inside now`}</Caption1>
                </CardFooter>
              </Card>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
