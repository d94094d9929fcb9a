import { useState, type ReactNode } from 'react';
import { api } from './api.js';
import { followLink, navigate } from './router.js';
import { useSession } from './session.js';

/** Small building blocks shared by the pages. */

export function Splash({ label }: { label?: string }) {
  return (
    <div className="splash" role="status" aria-live="polite">
      <Logo size={48} />
      <div className="spinner" aria-hidden="true" />
      {label && <p>{label}</p>}
    </div>
  );
}

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#5b5fc7" />
      <rect x="7" y="7" width="8" height="8" rx="1.5" fill="#fff" />
      <rect x="17" y="7" width="8" height="8" rx="1.5" fill="#c5c7f5" />
      <rect x="7" y="17" width="8" height="8" rx="1.5" fill="#c5c7f5" />
      <rect x="17" y="17" width="8" height="8" rx="1.5" fill="#fff" />
    </svg>
  );
}

/** The header of the signed-in pages: brand, organisation, the user and Sign out. */
export function AppHeader({ children }: { children?: ReactNode }) {
  const { me, signedOut } = useSession();
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await api.signOut();
    } catch {
      // Signing out must always leave the person signed out here, even if the server could not be told.
    }
    signedOut();
    navigate('/signin');
  };
  return (
    <header className="app-header">
      <a href="/" onClick={followLink} className="brand">
        <Logo />
        <span className="brand-name">MetaOffice</span>
      </a>
      <span className="org-name" title="Your organisation">
        {me.organisation.name}
      </span>
      <div className="header-spacer" />
      {children}
      <a href="/account" onClick={followLink} className="user-chip" title={`${me.user.email}: account, your data, sign out everywhere`} data-testid="account-link">
        <Initials name={me.user.name} />
        <span className="user-name">{me.user.name}</span>
        <span className="account-label">Account</span>
      </a>
      <button type="button" className="btn subtle" onClick={signOut} disabled={busy}>
        Sign out
      </button>
    </header>
  );
}

export function Initials({ name, colour }: { name: string; colour?: string }) {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return (
    <span className="initials" style={{ background: colour ?? colourFor(name) }} aria-hidden="true">
      {letters || '?'}
    </span>
  );
}

/** A stable, friendly colour per name, so a person's initials look the same everywhere. */
function colourFor(name: string): string {
  const palette = ['#5b5fc7', '#0f6cbd', '#107c10', '#c239b3', '#ca5010', '#038387', '#8764b8', '#986f0b'];
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return palette[h % palette.length]!;
}

export function ErrorNote({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div className="error-note" role="alert">
      {children}
    </div>
  );
}

/** Timestamps on the wire are epoch milliseconds; accept seconds too rather than show a date in 1970. */
export function epochToDate(t: number): Date {
  return new Date(t < 1e12 ? t * 1000 : t);
}
