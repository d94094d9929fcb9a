import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { MeView } from '@metaoffice/protocol';
import { api } from '../api.js';
import type { Session } from '../session.js';
import { authStartUrl } from './authorize.js';
import type { TeamsPageContext } from './context.js';
import { signInSilently, type SignInOutcome } from './signIn.js';
import { openAuthPopup, reportReady, ssoToken } from './teamsHost.js';
import { Centered, Problem } from './parts.js';

type SignInState = { status: 'signingIn' } | SignInOutcome;

export interface TeamsSignIn {
  state: SignInState;
  /** A session for the office screen, once signed in; its signedOut() signs in silently again. */
  session: Session | null;
  retry(): void;
  /** Runs the consent pop-up, then the silent sign-in again. */
  grantAccess(): Promise<void>;
  /** Why the last consent pop-up did not grant access, for the person. */
  consentError: string | undefined;
  consenting: boolean;
}

/** Silent Teams sign-in on mount, with the consent pop-up and retries the pages offer. */
export function useTeamsSignIn(ctx: TeamsPageContext): TeamsSignIn {
  const [state, setState] = useState<SignInState>({ status: 'signingIn' });
  const [attempt, setAttempt] = useState(0);
  const [consenting, setConsenting] = useState(false);
  const [consentError, setConsentError] = useState<string | undefined>();
  const live = useRef(true);
  useEffect(() => () => void (live.current = false), []);

  useEffect(() => {
    let current = true;
    setState({ status: 'signingIn' });
    void signInSilently({ getAuthToken: ssoToken, exchange: (token) => api.teamsSignIn(token) }).then((outcome) => {
      if (!current) return;
      setState(outcome);
      // Signed in or not, the page now shows something it explains: Teams can drop its loading indicator.
      reportReady();
    });
    return () => {
      current = false;
    };
  }, [attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const grantAccess = useCallback(async () => {
    setConsenting(true);
    setConsentError(undefined);
    try {
      await openAuthPopup(authStartUrl(ctx.tenantId, ctx.loginHint));
      if (live.current) retry();
    } catch (err) {
      if (live.current) setConsentError(consentFailureText(err instanceof Error ? err.message : String(err)));
    } finally {
      if (live.current) setConsenting(false);
    }
  }, [ctx.tenantId, ctx.loginHint, retry]);

  const me: MeView | null = state.status === 'signedIn' ? state.me : null;
  const session = useMemo<Session | null>(() => (me ? { me, signedOut: retry } : null), [me, retry]);
  return { state, session, retry, grantAccess, consentError, consenting };
}

function consentFailureText(reason: string): string {
  if (/CancelledByUser/i.test(reason)) return 'The sign-in window was closed before access was granted.';
  if (/access_denied/i.test(reason)) return 'Access was not granted. If your organisation requires it, ask an administrator to approve MetaOffice.';
  if (/FailedToOpenWindow/i.test(reason)) return 'The sign-in window could not open. Allow pop-ups for Teams and try again.';
  return `Access was not granted (${reason}).`;
}

/** Renders `children` with the session once signed in; until then, what is happening and what the person can do. */
export function SignInGate({ signIn, children }: { signIn: TeamsSignIn; children: (session: Session) => ReactNode }) {
  const { state, session } = signIn;
  if (session) return <>{children(session)}</>;
  switch (state.status) {
    case 'signingIn':
    case 'signedIn':
      return <Centered label="Signing you in…" />;
    case 'consentRequired':
      return (
        <Problem
          intent="warning"
          title="MetaOffice needs your permission"
          testId="consent-required"
          action={{ label: 'Grant access', onClick: () => void signIn.grantAccess(), busy: signIn.consenting }}
        >
          <p className="teams-text">
            To show your colleagues' Teams presence, start Teams meetings for your conversations and tell people when someone wants to
            talk, MetaOffice needs to read your profile and your teams and to update your presence in Microsoft 365. Select Grant access
            to review and approve this in a Microsoft window. Some permissions need an administrator to approve them for the whole
            organisation.
          </p>
          {state.detail && <p className="teams-text teams-detail">Microsoft 365 said: {state.detail}</p>}
          {signIn.consentError && (
            <p className="teams-text teams-error" role="alert">
              {signIn.consentError}
            </p>
          )}
        </Problem>
      );
    case 'unavailable':
      return (
        <Problem title="Microsoft 365 is not answering" testId="microsoft-unavailable" action={{ label: 'Try again', onClick: signIn.retry }}>
          <p className="teams-text">MetaOffice cannot reach Microsoft 365 to sign you in right now. This is usually brief: try again in a moment.</p>
        </Problem>
      );
    case 'failed':
      return (
        <Problem title="You could not be signed in" testId="sign-in-failed" action={{ label: 'Try again', onClick: signIn.retry }}>
          <p className="teams-text">{state.message}</p>
        </Problem>
      );
  }
}
