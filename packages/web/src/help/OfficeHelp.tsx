import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { HelpDialog, loadMarkdown } from './HelpDialog.js';
import { ShortcutOverlay } from './ShortcutOverlay.js';
import './help.css';

type Open = { kind: 'shortcuts' } | { kind: 'help'; pageId?: string; fromButton: boolean };

/** The page the shortcut list's "All help pages" opens. */
const SHORTCUTS_PAGE = 'keyboard-shortcuts';

/**
 * The office HUD's Help button, the Help dialog it opens, and the `?` keyboard-shortcut overlay. The dialogs are
 * rendered into document.body: the HUD card has a backdrop-filter, which would make it the containing block of a
 * fixed-position backdrop and shrink the dialog into the top bar.
 */
export function OfficeHelp() {
  const [open, setOpen] = useState<Open | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => setOpen(null), []);
  const openHelpFromShortcuts = useCallback(() => setOpen({ kind: 'help', pageId: SHORTCUTS_PAGE, fromButton: false }), []);

  // `?` (Shift+/ on most keyboards) shows the shortcuts, unless the key is meant for a text field or another dialog.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey || e.repeat || e.defaultPrevented) return;
      if (isTextEntry(e.target) || isTextEntry(document.activeElement)) return;
      if (open === null && document.querySelector('[role="dialog"][aria-modal="true"]')) return;
      // Nothing else gets the key: no text field behind, no browser find-as-you-type.
      e.preventDefault();
      setOpen((o) => (o === null ? { kind: 'shortcuts' } : o.kind === 'shortcuts' ? null : o));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  // Test hook: the same Markdown rendering and sanitising the Help dialog uses, for the end-to-end test.
  useEffect(() => {
    const w = window as unknown as { __metaoffice?: Record<string, unknown> };
    const hooks = (w.__metaoffice ??= {});
    hooks.renderHelpMarkdown = (source: string) => loadMarkdown().then((m) => m.renderHelpMarkdown(source));
    return () => void delete hooks.renderHelpMarkdown;
  }, []);

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className={`hud-btn${open?.kind === 'help' ? ' active' : ''}`}
        onClick={() => setOpen({ kind: 'help', fromButton: true })}
        aria-haspopup="dialog"
        aria-label="Help"
        title="Help (press ? for keyboard shortcuts)"
      >
        <HelpIcon />
        <span className="hud-btn-text">Help</span>
      </button>
      {open?.kind === 'shortcuts' && createPortal(<ShortcutOverlay onClose={close} onOpenHelp={openHelpFromShortcuts} />, document.body)}
      {open?.kind === 'help' &&
        createPortal(<HelpDialog initialPageId={open.pageId} returnFocus={open.fromButton ? buttonRef.current : undefined} onClose={close} />, document.body)}
    </>
  );
}

/** Where a typed `?` is text: text inputs, text areas, selects and contenteditable elements. */
function isTextEntry(el: EventTarget | null): boolean {
  if (el instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable);
}

function HelpIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4">
      <circle cx="8" cy="8" r="6.3" />
      <path d="M6.2 6.3a1.9 1.9 0 013.7.5c0 1.3-1.9 1.6-1.9 2.8" strokeLinecap="round" />
      <circle cx="8" cy="11.4" r="0.35" fill="currentColor" />
    </svg>
  );
}
