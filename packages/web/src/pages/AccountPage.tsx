import { useState, type FormEvent, type ReactNode } from 'react';
import { api, describeError, errorCode } from '../api.js';
import { AppHeader, ErrorNote, Initials } from '../components.js';
import { followLink, navigate } from '../router.js';
import { useSession } from '../session.js';

/**
 * The person's own data and sessions (GET /api/me/export, POST /api/auth/signout-all, DELETE /api/me) and, for an
 * admin, the organisation's (GET /api/organisation/export, DELETE /api/organisation). Every write goes through the
 * ApiClient: same origin, JSON bodies, so the server's cross-site request checks let it through.
 */
export function AccountPage() {
  const { me } = useSession();
  const isAdmin = me.user.role === 'admin';
  return (
    <div className="page">
      <AppHeader />
      <main className="content account-content">
        <section className="page-intro">
          <div>
            <a href="/" onClick={followLink} className="back-to-offices">
              ← Offices
            </a>
            <h1>Account</h1>
            <p className="muted">Your sign-ins and your data{isAdmin ? `, and ${me.organisation.name}'s` : ''}.</p>
          </div>
        </section>

        <section className="card account-card account-who" aria-label="Signed in as">
          <Initials name={me.user.name} />
          <div>
            <div className="account-name">{me.user.name}</div>
            <div className="muted">
              {me.user.email} · {isAdmin ? 'Admin' : 'Member'} of {me.organisation.name}
            </div>
          </div>
        </section>

        <h2 className="account-heading">You</h2>
        <DownloadMyData />
        <SignOutEverywhere />
        <DeleteMyAccount />

        {isAdmin && (
          <>
            <h2 className="account-heading">{me.organisation.name}</h2>
            <ExportOrganisation />
            <DeleteOrganisation />
          </>
        )}
      </main>
    </div>
  );
}

function Section({ title, children, action, danger, testId }: { title: string; children: ReactNode; action?: ReactNode; danger?: boolean; testId: string }) {
  return (
    <section className={`card account-card${danger ? ' danger' : ''}`} data-testid={testId}>
      <div className="account-text">
        <h3>{title}</h3>
        {children}
      </div>
      {action && <div className="account-action">{action}</div>}
    </section>
  );
}

/** A section whose whole form is one button: the action runs on click and its failure shows under the text. */
function ActionSection({ title, testId, label, busyLabel, action, children }: { title: string; testId: string; label: string; busyLabel: string; action: ReturnType<typeof useAction>; children: ReactNode }) {
  return (
    <Section
      title={title}
      testId={testId}
      action={
        <button type="button" className="btn" onClick={action.run} disabled={action.busy}>
          {action.busy ? busyLabel : label}
        </button>
      }
    >
      {children}
      <ErrorNote>{action.error}</ErrorNote>
    </Section>
  );
}

/** Hands a blob to the browser as a file download. */
function saveFile(data: BlobPart, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * One account action: busy while it runs, its failure as a sentence. Actions that end on another page (sign-out,
 * deletions) navigate inside `fn`.
 */
function useAction(fn: () => Promise<void>, explain: (err: unknown) => string = describeError) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(explain(err));
    }
    setBusy(false);
  };
  return { busy, error, run };
}

function leaveToSignIn(signedOut: () => void): void {
  signedOut();
  navigate('/signin', { replace: true });
}

function DownloadMyData() {
  const action = useAction(async () => {
    const data = await api.exportMe();
    saveFile(JSON.stringify(data, null, 2), 'application/json', `metaoffice-me-${today()}.json`);
  });
  return (
    <ActionSection title="Download my data" testId="download-my-data" label="Download my data" busyLabel="Preparing…" action={action}>
      <p className="muted">Everything MetaOffice keeps about you, as a JSON file: your profile, preferences, saved spots and open sign-ins.</p>
    </ActionSection>
  );
}

function SignOutEverywhere() {
  const { signedOut } = useSession();
  const action = useAction(async () => {
    await api.signOutEverywhere();
    leaveToSignIn(signedOut);
  });
  return (
    <ActionSection title="Sign out everywhere" testId="sign-out-everywhere" label="Sign out everywhere" busyLabel="Signing out…" action={action}>
      <p className="muted">Ends every sign-in on every device, this one included. Use it after signing in on a computer that is not yours.</p>
    </ActionSection>
  );
}

function DeleteMyAccount() {
  const { signedOut } = useSession();
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction(
    async () => {
      await api.deleteMe(password);
      leaveToSignIn(signedOut);
    },
    // LAST_ADMIN and ACCOUNT_LOCKED carry a sentence meant for people; show it as it is.
    (err) => (errorCode(err) === 'BAD_CREDENTIALS' ? 'That password is not right.' : describeError(err)),
  );
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (password) void run();
  };
  return (
    <Section title="Delete my account" testId="delete-my-account" danger>
      <p className="muted">
        Erases your account, your preferences and your sign-ins; this cannot be undone. If you are the only person in your organisation, the
        organisation goes with it.
      </p>
      <form className="account-confirm" onSubmit={submit}>
        <div className="field">
          <label htmlFor="delete-password">Your password</label>
          <input id="delete-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button type="submit" className="btn danger" disabled={busy || !password}>
          {busy ? 'Deleting…' : 'Delete my account'}
        </button>
      </form>
      <ErrorNote>{error}</ErrorNote>
    </Section>
  );
}

function ExportOrganisation() {
  const action = useAction(async () => {
    const archive = await api.exportOrganisation();
    saveFile(archive as Uint8Array<ArrayBuffer>, 'application/gzip', `metaoffice-organisation-${today()}.tar.gz`);
  });
  return (
    <ActionSection title="Export organisation" testId="export-organisation" label="Export organisation" busyLabel="Preparing…" action={action}>
      <p className="muted">A .tar.gz archive of the people (without passwords), offices and their maps, settings and invitations.</p>
    </ActionSection>
  );
}

function DeleteOrganisation() {
  const { me, signedOut } = useSession();
  const [confirm, setConfirm] = useState('');
  const matches = confirm.trim() === me.organisation.name.trim();
  const { busy, error, run } = useAction(async () => {
    await api.deleteOrganisation(confirm);
    leaveToSignIn(signedOut);
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (matches) void run();
  };
  return (
    <Section title="Delete organisation" testId="delete-organisation" danger>
      <p className="muted">
        Deletes {me.organisation.name} with all its people, offices, maps and invitations, and signs everyone out. This cannot be undone: export it
        first if you may need it.
      </p>
      <form className="account-confirm" onSubmit={submit}>
        <div className="field">
          <label htmlFor="delete-organisation-name">
            Type <strong>{me.organisation.name}</strong> to confirm
          </label>
          <input id="delete-organisation-name" autoComplete="off" spellCheck={false} value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </div>
        <button type="submit" className="btn danger" disabled={busy || !matches}>
          {busy ? 'Deleting…' : 'Delete organisation'}
        </button>
      </form>
      <ErrorNote>{error}</ErrorNote>
    </Section>
  );
}
