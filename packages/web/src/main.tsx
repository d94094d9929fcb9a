import { lazy, StrictMode, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { MeView } from '@metaoffice/protocol';
import { api, errorCode } from './api.js';
import { isPublic, navigate, parseRoute, safeNext, useLocationHref } from './router.js';
import { SessionContext, type Session } from './session.js';
import { SignInPage, SignUpPage } from './pages/AuthPages.js';
import { InvitePage } from './pages/InvitePage.js';
import { OfficesPage } from './pages/OfficesPage.js';
import { AccountPage } from './pages/AccountPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { closeEarlyConnection, openEarlyConnection, preloadOffice } from './office/preload.js';
import { OfficeRoute, loadOfficeView } from './office/OfficeRoute.js';
import { Splash } from './components.js';
import { mark } from './timeline.js';
import './styles.css';

/** The editor is for admins and now and then: its own chunk, fetched when opened. */
const OfficeEditor = lazy(() => import('./editor/OfficeEditor.js'));

// A direct visit to an office starts everything now: the Phaser chunk, the map and images, and the office
// connection, in parallel with the session check, because the time to the own avatar on screen is what people feel.
{
  const first = parseRoute(location.pathname, location.search);
  if (first.name === 'office') {
    void loadOfficeView();
    preloadOffice(first.officeId).catch(() => undefined);
    openEarlyConnection(first.officeId);
  }
}

// Microsoft Teams' pages bring TeamsJS and Fluent UI; as a chunk of their own they add nothing to the standalone app.
const TeamsApp = lazy(() => import('./teams/TeamsApp.js'));

/** Teams pages sign in through Teams, so they skip the standalone session check and sign-in redirects. */
function Root() {
  const href = useLocationHref();
  const route = useMemo(() => {
    const url = new URL(href, location.origin);
    return parseRoute(url.pathname, url.search);
  }, [href]);
  if (route.name === 'teams') {
    return (
      <Suspense fallback={<Splash />}>
        <TeamsApp page={route.page} officeId={route.officeId} />
      </Suspense>
    );
  }
  return <App />;
}

type MeState = { status: 'loading' } | { status: 'signedIn'; me: MeView } | { status: 'signedOut' };

function App() {
  const href = useLocationHref();
  const route = useMemo(() => {
    const url = new URL(href, location.origin);
    return parseRoute(url.pathname, url.search);
  }, [href]);
  const [meState, setMeState] = useState<MeState>({ status: 'loading' });

  useEffect(() => {
    let live = true;
    api.me().then(
      (me) => {
        mark('session');
        if (live) setMeState({ status: 'signedIn', me });
      },
      (err: unknown) => {
        if (!live) return;
        // Only a missing session means "signed out"; a server hiccup should not throw away the visitor's page.
        const code = errorCode(err);
        setMeState({ status: 'signedOut' });
        closeEarlyConnection();
        if (code !== 'UNAUTHENTICATED' && code !== 'SESSION_EXPIRED') console.warn('session check failed', err);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const signedOut = useCallback(() => setMeState({ status: 'signedOut' }), []);
  const signedIn = useCallback((me: MeView) => setMeState({ status: 'signedIn', me }), []);
  const session: Session | null = useMemo(
    () => (meState.status === 'signedIn' ? { me: meState.me, signedOut } : null),
    [meState, signedOut],
  );

  const mustSignIn = meState.status === 'signedOut' && !isPublic(route);
  const alreadyIn = meState.status === 'signedIn' && (route.name === 'signin' || route.name === 'signup');
  useEffect(() => {
    if (alreadyIn) navigate(safeNext(route.name === 'signin' || route.name === 'signup' ? route.next : null), { replace: true });
  }, [alreadyIn, route]);
  useEffect(() => {
    if (!mustSignIn) return;
    const here = location.pathname + location.search;
    navigate(here === '/' ? '/signin' : `/signin?next=${encodeURIComponent(here)}`, { replace: true });
  }, [mustSignIn]);

  useEffect(() => {
    document.title = titleFor(route.name);
  }, [route.name]);

  if (meState.status === 'loading' || mustSignIn || alreadyIn) return <Splash />;

  switch (route.name) {
    case 'signin':
      return <SignInPage next={route.next} signedIn={signedIn} />;
    case 'signup':
      return <SignUpPage next={route.next} signedIn={signedIn} />;
    case 'invite':
      return <InvitePage token={route.token} signedIn={signedIn} />;
    default:
      break;
  }
  if (!session) return <Splash />;
  return (
    <SessionContext.Provider value={session}>
      {route.name === 'offices' && <OfficesPage />}
      {route.name === 'account' && <AccountPage />}
      {route.name === 'office' && (
        <OfficeRoute key={route.officeId} officeId={route.officeId} />
      )}
      {route.name === 'editor' && (
        <Suspense fallback={<Splash label="Opening the editor…" />}>
          <OfficeEditor key={route.officeId} officeId={route.officeId} />
        </Suspense>
      )}
      {route.name === 'notFound' && <NotFoundPage />}
    </SessionContext.Provider>
  );
}

function titleFor(name: string): string {
  switch (name) {
    case 'signin':
      return 'Sign in · MetaOffice';
    case 'signup':
      return 'Create your account · MetaOffice';
    case 'invite':
      return 'Join · MetaOffice';
    case 'office':
      return 'Office · MetaOffice';
    case 'editor':
      return 'Edit office · MetaOffice';
    case 'account':
      return 'Account · MetaOffice';
    default:
      return 'MetaOffice';
  }
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
