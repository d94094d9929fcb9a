import { useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import type { MeView } from '@metaoffice/protocol';
import { api, describeError, errorCode } from '../api.js';
import { ErrorNote, Logo } from '../components.js';
import { followLink, navigate, safeNext } from '../router.js';

interface AuthProps {
  next: string | null;
  signedIn(me: MeView): void;
}

export function SignInPage({ next, signedIn }: AuthProps) {
  const [error, setError] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const me = await api.signIn({ email: String(form.get('email')).trim(), password: String(form.get('password')) });
      signedIn(me);
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const signUpHref = next ? `/signup?next=${encodeURIComponent(next)}` : '/signup';
  return (
    <AuthShell title="Sign in to MetaOffice" subtitle="Your team is a few steps away.">
      <form onSubmit={submit} className="form" noValidate={false}>
        <ErrorNote>{error}</ErrorNote>
        <Field id="email" label="E-mail" type="email" autoComplete="email" required autoFocus />
        <Field id="password" label="Password" type="password" autoComplete="current-password" required />
        <button type="submit" className="btn primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth-switch">
        New to MetaOffice?{' '}
        <a href={signUpHref} onClick={followLink}>
          Create an account
        </a>
      </p>
    </AuthShell>
  );
}

export function SignUpPage({ next, signedIn }: AuthProps) {
  return (
    <AuthShell title="Create your office" subtitle="Sign up and you get an organisation of your own; invite your team next.">
      <SignUpForm
        submitLabel="Create account"
        onDone={(me) => {
          signedIn(me);
          navigate(safeNext(next), { replace: true });
        }}
      />
      <p className="auth-switch">
        Already have an account?{' '}
        <a href={next ? `/signin?next=${encodeURIComponent(next)}` : '/signin'} onClick={followLink}>
          Sign in
        </a>
      </p>
    </AuthShell>
  );
}

/** Shared by sign-up and the invitation page, which only adds the invite token. */
export function SignUpForm({ inviteToken, submitLabel, onDone }: { inviteToken?: string; submitLabel: string; onDone(me: MeView): void }) {
  const [error, setError] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password'));
    if (password.length < 8) {
      setError('Choose a password of at least 8 characters.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await api.signUp({
        email: String(form.get('email')).trim(),
        password,
        name: String(form.get('name')).trim(),
        ...(inviteToken ? { inviteToken } : {}),
      });
      onDone(me);
    } catch (err) {
      setError(
        errorCode(err) === 'EMAIL_TAKEN' ? (
          <>
            An account with this e-mail already exists.{' '}
            <a href="/signin" onClick={followLink}>
              Sign in instead
            </a>
            .
          </>
        ) : (
          describeError(err)
        ),
      );
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="form">
      <ErrorNote>{error}</ErrorNote>
      <Field id="name" label="Your name" autoComplete="name" required maxLength={60} autoFocus hint="Shown above your avatar." />
      <Field id="email" label="Work e-mail" type="email" autoComplete="email" required />
      <Field id="password" label="Password" type="password" autoComplete="new-password" required minLength={8} hint="At least 8 characters." />
      <button type="submit" className="btn primary wide" disabled={busy}>
        {busy ? 'Creating your account…' : submitLabel}
      </button>
    </form>
  );
}

export function Field({
  id,
  label,
  hint,
  ...input
}: { id: string; label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function AuthShell({ title, subtitle, children }: { title: ReactNode; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-art" aria-hidden="true">
        <div className="auth-art-inner">
          <Logo size={56} />
          <h2>Your team, together — from anywhere.</h2>
          <p>Walk up to a colleague to talk, see who is in at a glance, and meet in rooms that feel like rooms.</p>
        </div>
      </div>
      <section className="auth-card">
        <div className="auth-brand">
          <Logo />
          <span>MetaOffice</span>
        </div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
        {children}
      </section>
    </main>
  );
}
