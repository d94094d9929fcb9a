import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { InviteView, OfficeView, TemplateView } from '@metaoffice/protocol';
import { api, describeError } from '../api.js';
import { AppHeader, ErrorNote, epochToDate } from '../components.js';
import { followLink } from '../router.js';
import { useSession } from '../session.js';

/** How often the "N inside now" counts refresh while the list is open. */
const REFRESH_MS = 10_000;

export function OfficesPage() {
  const { me } = useSession();
  const [offices, setOffices] = useState<OfficeView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [inviting, setInviting] = useState(false);
  const [justCreated, setJustCreated] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.listOffices().then(
        (list) => {
          if (!live) return;
          setOffices(list);
          setLoadError(null);
        },
        (err: unknown) => live && setLoadError(describeError(err)),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  const isAdmin = me.user.role === 'admin';
  const firstName = me.user.name.split(/\s+/)[0] ?? me.user.name;
  const onlineTotal = offices?.reduce((n, o) => n + o.online, 0) ?? 0;

  return (
    <div className="page">
      <AppHeader>
        {isAdmin && (
          <button type="button" className="btn" onClick={() => setInviting(true)} aria-label="Invite people" title="Invite people">
            <PersonAddIcon /> <span className="btn-label">Invite people</span>
          </button>
        )}
      </AppHeader>
      <main className="content">
        <section className="page-intro">
          <div>
            <h1>
              {greeting()}, {firstName}
            </h1>
            <p className="muted">
              {offices === null
                ? 'Loading your offices…'
                : offices.length === 0
                  ? `${me.organisation.name} has no office yet. Create the first one.`
                  : `${onlineTotal === 0 ? 'Nobody is in yet' : `${onlineTotal} ${onlineTotal === 1 ? 'person is' : 'people are'} in`} across ${offices.length} ${offices.length === 1 ? 'office' : 'offices'} of ${me.organisation.name}.`}
            </p>
          </div>
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>
            <PlusIcon /> New office
          </button>
        </section>

        <ErrorNote>{loadError}</ErrorNote>

        {offices !== null && offices.length === 0 && !creating && (
          <div className="empty-state card">
            <div className="empty-illustration" aria-hidden="true" />
            <h2>Set up your first office</h2>
            <p className="muted">Pick a floor plan, give it a name, and invite your team to walk in.</p>
            <button type="button" className="btn primary" onClick={() => setCreating(true)}>
              Create an office
            </button>
          </div>
        )}

        <ul className="office-grid" aria-label="Offices">
          {offices?.map((office) => (
            <li key={office.id}>
              <OfficeCard office={office} highlight={office.id === justCreated} />
            </li>
          ))}
        </ul>
      </main>

      {creating && (
        <NewOfficeDialog
          onClose={() => setCreating(false)}
          onCreated={(office) => {
            setOffices((list) => [...(list ?? []).filter((o) => o.id !== office.id), office]);
            setJustCreated(office.id);
            setCreating(false);
          }}
        />
      )}
      {inviting && <InviteDialog onClose={() => setInviting(false)} />}
    </div>
  );
}

function OfficeCard({ office, highlight }: { office: OfficeView; highlight: boolean }) {
  const [broken, setBroken] = useState(false);
  const href = `/office/${encodeURIComponent(office.id)}`;
  return (
    <article className={`office-card card${highlight ? ' highlight' : ''}`} data-office-id={office.id}>
      <a href={href} onClick={followLink} className="office-thumb" tabIndex={-1} aria-hidden="true">
        {broken || !office.thumbnailUrl ? (
          <div className="thumb-fallback" />
        ) : (
          <img src={office.thumbnailUrl} alt="" loading="lazy" onError={() => setBroken(true)} />
        )}
        <span className={`presence-pill${office.online > 0 ? ' live' : ''}`}>
          <span className="dot" />
          {office.online} inside now
        </span>
      </a>
      <div className="office-body">
        <h2>{office.name}</h2>
        <p className="muted description">{office.description || 'No description.'}</p>
      </div>
      <div className="office-actions">
        <a className="btn primary" href={href} onClick={followLink} data-testid="join-office" aria-label={`Join ${office.name}`}>
          Join
        </a>
      </div>
    </article>
  );
}

function NewOfficeDialog({ onClose, onCreated }: { onClose(): void; onCreated(office: OfficeView): void }) {
  const [templates, setTemplates] = useState<TemplateView[] | null>(null);
  const [template, setTemplate] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const titleId = useId();

  useEffect(() => {
    let live = true;
    api.listTemplates().then(
      (list) => {
        if (!live) return;
        setTemplates(list);
        setTemplate((t) => t || list[0]?.id || '');
      },
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    if (!template) {
      setError('Pick a floor plan for the office.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onCreated(
        await api.createOffice({
          name: String(form.get('office-name')).trim(),
          description: String(form.get('office-description') ?? '').trim(),
          template,
        }),
      );
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <Dialog titleId={titleId} onClose={onClose} wide>
      <form onSubmit={submit} className="form">
        <h2 id={titleId}>New office</h2>
        <ErrorNote>{error}</ErrorNote>
        <div className="field">
          <label htmlFor="office-name">Name</label>
          <input id="office-name" name="office-name" required maxLength={80} placeholder="e.g. Berlin HQ" autoFocus />
        </div>
        <div className="field">
          <label htmlFor="office-description">Description</label>
          <textarea id="office-description" name="office-description" maxLength={500} rows={2} placeholder="What is this office for?" />
        </div>
        <fieldset className="field template-picker">
          <legend>Floor plan</legend>
          {templates === null && !error && <p className="muted">Loading floor plans…</p>}
          <div className="template-grid" role="radiogroup" aria-label="Floor plan">
            {templates?.map((t) => (
              <label key={t.id} className={`template-option${template === t.id ? ' selected' : ''}`}>
                <input type="radio" name="template" value={t.id} checked={template === t.id} onChange={() => setTemplate(t.id)} />
                <img src={t.thumbnailUrl} alt="" loading="lazy" />
                <span className="template-name">{t.name}</span>
                <span className="template-description muted">{t.description}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy || !template}>
            {busy ? 'Creating…' : 'Create office'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function InviteDialog({ onClose }: { onClose(): void }) {
  const [invite, setInvite] = useState<InviteView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const titleId = useId();

  useEffect(() => {
    let live = true;
    api.createInvite().then(
      (v) => live && setInvite(v),
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  // The server may hand out a path or a full URL; people share full URLs.
  const url = invite ? new URL(invite.url, location.origin).toString() : '';

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // Clipboard access needs a secure context; selecting the text still lets people copy by hand.
      inputRef.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return (
    <Dialog titleId={titleId} onClose={onClose}>
      <h2 id={titleId}>Invite people</h2>
      <p className="muted">Anyone with this link can join your organisation and its offices.</p>
      <ErrorNote>{error}</ErrorNote>
      {!invite && !error && <p className="muted">Creating a link…</p>}
      {invite && (
        <>
          <div className="copy-row">
            <label htmlFor="invite-url" className="visually-hidden">
              Invitation link
            </label>
            <input id="invite-url" ref={inputRef} readOnly value={url} onFocus={(e) => e.currentTarget.select()} data-testid="invite-url" />
            <button type="button" className="btn primary" onClick={copy} aria-live="polite">
              {copied ? 'Copied!' : 'Copy'}
            </button>
          </div>
          <p className="hint">Valid until {epochToDate(invite.expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}.</p>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

function Dialog({ titleId, onClose, wide, children }: { titleId: string; onClose(): void; wide?: boolean; children: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`dialog card${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId}>
        {children}
      </div>
    </div>
  );
}

function greeting(): string {
  const h = new Date().getHours();
  return h < 5 ? 'Good evening' : h < 12 ? 'Good morning' : h < 18 ? 'Good afternoon' : 'Good evening';
}

function PlusIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M8 2.5v11M2.5 8h11" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}

function PersonAddIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4">
      <circle cx="6.5" cy="5" r="2.7" />
      <path d="M1.5 14c.4-2.8 2.4-4.3 5-4.3 1.2 0 2.3.3 3.1.9" strokeLinecap="round" />
      <path d="M12.5 9v5M10 11.5h5" strokeLinecap="round" />
    </svg>
  );
}
