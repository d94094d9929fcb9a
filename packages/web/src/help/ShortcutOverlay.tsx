import { Fragment, useCallback, useId, useRef, type KeyboardEvent } from 'react';
import { useModalDialog } from './modal.js';
import { shortcutGroups, spokenKeyNames } from './shortcuts.js';

/** The `?` overlay: the office's keyboard shortcuts at a glance. `?` or Escape closes it. */
export function ShortcutOverlay({ onClose, onOpenHelp }: { onClose(): void; onOpenHelp(): void }) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  // `?` toggles the list, so it closes it too (and must not reach anything else).
  const questionMarkCloses = useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey) return false;
      e.preventDefault();
      onClose();
      return true;
    },
    [onClose],
  );
  const onKeyDown = useModalDialog(ref, onClose, undefined, questionMarkCloses);
  return (
    <div className="dialog-backdrop help-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className="dialog card shortcut-overlay"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="shortcut-overlay"
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <div className="help-head">
          <h2 id={titleId}>Keyboard shortcuts</h2>
          <CloseButton label="Close keyboard shortcuts" onClick={onClose} />
        </div>
        <div className="shortcut-groups">
          {shortcutGroups.map((group) => (
            <section key={group.title} className="shortcut-group" aria-label={group.title}>
              <h3>{group.title}</h3>
              <dl>
                {group.shortcuts.map((s) => (
                  <Fragment key={`${s.keys.join(' ')} ${s.action}`}>
                    <dt>
                      {s.keys.map((k) => (
                        <Key key={k} name={k} />
                      ))}
                    </dt>
                    <dd>{s.action}</dd>
                  </Fragment>
                ))}
              </dl>
            </section>
          ))}
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onOpenHelp}>
            All help pages
          </button>
          <button type="button" className="btn primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

function Key({ name }: { name: string }) {
  const spoken = spokenKeyNames[name];
  if (!spoken) return <kbd>{name}</kbd>;
  return (
    <kbd>
      <span aria-hidden="true">{name}</span>
      <span className="visually-hidden">{spoken}</span>
    </kbd>
  );
}

export function CloseButton({ label, onClick }: { label: string; onClick(): void }) {
  return (
    <button type="button" className="icon-btn" onClick={onClick} aria-label={label} title="Close (Esc)">
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </svg>
    </button>
  );
}
