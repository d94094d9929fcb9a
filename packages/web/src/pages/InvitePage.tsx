import { useEffect, useState } from 'react';
import type { InviteInfo, MeView } from '@metaoffice/protocol';
import { api, describeError } from '../api.js';
import { ErrorNote, Splash, epochToDate } from '../components.js';
import { followLink, navigate } from '../router.js';
import { AuthShell, SignUpForm } from './AuthPages.js';

type InviteState = { status: 'loading' } | { status: 'ok'; info: InviteInfo } | { status: 'invalid'; message: string };

export function InvitePage({ token, signedIn }: { token: string; signedIn(me: MeView): void }) {
  const [state, setState] = useState<InviteState>({ status: 'loading' });
  // An invitation from inside an office names it: the new person lands there.
  const office = new URLSearchParams(location.search).get('office');
  const next = office && /^[A-Za-z0-9_-]{1,64}$/.test(office) ? `/office/${office}` : '/';

  useEffect(() => {
    let live = true;
    api.inviteInfo(token).then(
      (info) => live && setState({ status: 'ok', info }),
      (err: unknown) => live && setState({ status: 'invalid', message: describeError(err) }),
    );
    return () => {
      live = false;
    };
  }, [token]);

  if (state.status === 'loading') return <Splash label="Checking your invitation…" />;
  if (state.status === 'invalid') {
    return (
      <AuthShell title="This invitation cannot be used">
        <ErrorNote>{state.message}</ErrorNote>
        <p className="auth-switch">
          Already a member?{' '}
          <a href="/signin" onClick={followLink}>
            Sign in
          </a>
        </p>
      </AuthShell>
    );
  }
  const expires = epochToDate(state.info.expiresAt).toLocaleDateString(undefined, { day: 'numeric', month: 'long' });
  return (
    <AuthShell
      title={<>Join {state.info.organisationName}</>}
      subtitle={<>You were invited to {state.info.organisationName}'s virtual office. The invitation is valid until {expires}.</>}
    >
      <SignUpForm
        inviteToken={token}
        submitLabel={`Join ${state.info.organisationName}`}
        onDone={(me) => {
          signedIn(me);
          navigate(next, { replace: true });
        }}
      />
      <p className="auth-switch">
        Already have an account?{' '}
        <a href={next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`} onClick={followLink}>
          Sign in
        </a>
      </p>
    </AuthShell>
  );
}
