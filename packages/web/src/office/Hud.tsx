import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { Availability, ChosenAvailability, SpawnState } from '@metaoffice/protocol';
import type { CloseInfo, ConnectionState } from '@metaoffice/client';
import { CloseCodes } from '@metaoffice/protocol';
import { followLink } from '../router.js';
import { availabilityText, chosenAvailabilities, colourOf } from './presence.js';

/** The office's overlay controls. Each piece is dumb: it shows what it is given and reports clicks. */

/** A button with a popover menu that closes on a click outside or Escape. */
function MenuButton({ label, button, children }: { label: string; button: ReactNode; children: (close: () => void) => ReactNode }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="menu-wrap" ref={ref}>
      <button
        type="button"
        className={`hud-btn${open ? ' active' : ''}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={label}
        onClick={() => setOpen((o) => !o)}
      >
        {button}
        <Chevron />
      </button>
      {open && (
        <div className="menu card" role="menu" id={menuId} aria-label={label}>
          {children(() => setOpen(false))}
        </div>
      )}
    </div>
  );
}

export function StatusPicker({ availability, onChoose, disabled }: { availability: Availability; onChoose(a: ChosenAvailability): void; disabled?: boolean }) {
  return (
    <MenuButton
      label={`Your status: ${availabilityText[availability]}`}
      button={
        <>
          <span className="status-dot" style={{ background: colourOf(availability) }} aria-hidden="true" />
          <span className="hud-btn-text">{availabilityText[availability]}</span>
        </>
      }
    >
      {(close) => (
        <>
          <div className="menu-title">Set your status</div>
          {chosenAvailabilities.map((a) => (
            <button
              key={a}
              type="button"
              role="menuitemradio"
              aria-checked={availability === a}
              className="menu-item"
              disabled={disabled}
              onClick={() => {
                onChoose(a);
                close();
              }}
            >
              <span className="status-dot" style={{ background: colourOf(a) }} aria-hidden="true" />
              {availabilityText[a]}
              {availability === a && <Check />}
            </button>
          ))}
        </>
      )}
    </MenuButton>
  );
}

export function SpawnMenu({ spawn, onChoose, disabled }: { spawn: SpawnState | undefined; onChoose(mode: 'default' | 'saved' | 'here'): void; disabled?: boolean }) {
  const saved = spawn?.saved ?? null;
  return (
    <MenuButton
      label="Spawn point"
      button={
        <>
          <PinIcon />
          <span className="hud-btn-text">Spawn</span>
        </>
      }
    >
      {(close) => (
        <>
          <div className="menu-title">Where you appear when you come in</div>
          <button
            type="button"
            role="menuitemradio"
            aria-checked={spawn?.mode === 'default'}
            className="menu-item"
            disabled={disabled}
            onClick={() => {
              onChoose('default');
              close();
            }}
          >
            Spawn at the office's default point
            {spawn?.mode === 'default' && <Check />}
          </button>
          <button
            type="button"
            role="menuitemradio"
            aria-checked={spawn?.mode === 'saved'}
            className="menu-item"
            disabled={disabled || saved === null}
            onClick={() => {
              onChoose('saved');
              close();
            }}
          >
            Spawn at my saved point
            {spawn?.mode === 'saved' && <Check />}
          </button>
          <div className="menu-sep" role="separator" />
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            disabled={disabled}
            onClick={() => {
              onChoose('here');
              close();
            }}
          >
            Set my point here
          </button>
          <div className="menu-foot muted">{saved ? `Your saved point: tile ${saved.x}, ${saved.y}` : 'You have no saved point yet.'}</div>
        </>
      )}
    </MenuButton>
  );
}

export function TopBar({ officeName, state, children }: { officeName: string; state: ConnectionState; children?: ReactNode }) {
  const stateText = state === 'open' ? 'Connected' : state === 'connecting' ? 'Connecting…' : state === 'reconnecting' ? 'Reconnecting…' : 'Offline';
  return (
    <div className="hud-top">
      <div className="hud-card office-title">
        <a href="/" onClick={followLink} className="back-link" aria-label="Back to offices" title="Back to offices">
          <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
            <path d="M10 3L5 8l5 5" stroke="currentColor" strokeWidth="1.8" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span className="back-text">Offices</span>
        </a>
        <span className="divider" aria-hidden="true" />
        <h1 className="office-name">{officeName}</h1>
        <span className={`conn-dot ${state}`} title={stateText} role="status" aria-label={stateText} />
      </div>
      <div className="hud-spacer" />
      <div className="hud-card hud-actions">{children}</div>
    </div>
  );
}

/** What a closed connection means for the person, and what they can do about it. */
export function ConnectionBanner({
  state,
  closeInfo,
  onUseHere,
  signInHref,
}: {
  state: ConnectionState;
  closeInfo: CloseInfo | undefined;
  onUseHere(): void;
  signInHref: string;
}) {
  if (state === 'reconnecting') {
    return (
      <div className="banner warn" role="status">
        <span className="spinner small" aria-hidden="true" /> Reconnecting…
      </div>
    );
  }
  if (state !== 'closed' || !closeInfo?.terminal || closeInfo.code === 1000) return null;
  switch (closeInfo.code) {
    case CloseCodes.REPLACED:
      return (
        <div className="banner" role="alert">
          This office was opened in another tab.
          <button type="button" className="btn primary small" onClick={onUseHere}>
            Use here
          </button>
        </div>
      );
    case CloseCodes.UNAUTHENTICATED:
      return (
        <div className="banner error" role="alert">
          Your session expired.
          <a className="btn primary small" href={signInHref}>
            Sign in again
          </a>
        </div>
      );
    case CloseCodes.VERSION_MISMATCH:
      return (
        <div className="banner error" role="alert">
          {closeInfo.reason.includes('SERVER_TOO_OLD') ? 'The server runs an older MetaOffice.' : 'MetaOffice was updated.'}
          <button type="button" className="btn primary small" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      );
    case CloseCodes.FORBIDDEN:
      return (
        <div className="banner error" role="alert">
          You do not have access to this office.
          <a className="btn primary small" href="/" onClick={followLink}>
            Back to offices
          </a>
        </div>
      );
    default:
      return (
        <div className="banner error" role="alert">
          You are disconnected.
          <button type="button" className="btn primary small" onClick={onUseHere}>
            Reconnect
          </button>
        </div>
      );
  }
}

export interface Toast {
  id: number;
  text: string;
}

export function Toasts({ toasts }: { toasts: readonly Toast[] }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className="toast">
          {t.text}
        </div>
      ))}
    </div>
  );
}

function Chevron() {
  return (
    <svg className="chevron" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
      <path d="M2 3.5L5 6.5 8 3.5" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function Check() {
  return (
    <svg className="check" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">
      <path d="M3 7.5l2.5 2.5L11 4.5" stroke="currentColor" strokeWidth="1.6" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function PinIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4">
      <path d="M8 14.5s4.5-4.2 4.5-7.8a4.5 4.5 0 10-9 0c0 3.6 4.5 7.8 4.5 7.8z" />
      <circle cx="8" cy="6.6" r="1.6" />
    </svg>
  );
}

export function PeopleIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4">
      <circle cx="6" cy="5.2" r="2.4" />
      <path d="M1.8 13.5c.3-2.5 2-3.9 4.2-3.9s3.9 1.4 4.2 3.9" strokeLinecap="round" />
      <circle cx="11.3" cy="5.8" r="1.9" />
      <path d="M11 9.6c1.8 0 3 1.1 3.3 3.1" strokeLinecap="round" />
    </svg>
  );
}

export function EditIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round">
      <path d="M10.8 2.6l2.6 2.6-7.6 7.6-3.2.6.6-3.2z" />
      <path d="M9.4 4l2.6 2.6" />
    </svg>
  );
}

export function ListIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round">
      <path d="M5.5 4h8M5.5 8h8M5.5 12h8" />
      <circle cx="2.6" cy="4" r="0.6" fill="currentColor" />
      <circle cx="2.6" cy="8" r="0.6" fill="currentColor" />
      <circle cx="2.6" cy="12" r="0.6" fill="currentColor" />
    </svg>
  );
}

export function AvatarIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4">
      <rect x="4" y="1.8" width="8" height="7" rx="2.4" />
      <path d="M6.2 5.4h.01M9.8 5.4h.01" strokeLinecap="round" strokeWidth="1.8" />
      <path d="M2.6 14.4c.5-2.6 2.7-4 5.4-4s4.9 1.4 5.4 4" strokeLinecap="round" />
    </svg>
  );
}
