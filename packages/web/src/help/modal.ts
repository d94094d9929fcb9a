import { useCallback, useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

/**
 * Keyboard behaviour of a modal dialog over the office:
 * - on open, focus moves to the element marked `data-autofocus` (or the first focusable one, or the dialog);
 * - Tab and Shift+Tab cycle inside the dialog;
 * - Escape calls `onClose`;
 * - on close, focus goes back to `returnFocus` (or to whatever had it before the dialog opened).
 *
 * Key presses inside the dialog stop there: the office scene listens on `window` for the movement keys (and
 * preventDefaults them), so without this the arrow keys would walk the avatar behind the dialog instead of scrolling
 * it. Key releases are let through, so a key held while the dialog opened does not stay down for the scene.
 *
 * Returns the dialog's onKeyDown; `extraKey` may handle a key first and return true when it did.
 */
export function useModalDialog(
  dialogRef: RefObject<HTMLElement | null>,
  onClose: () => void,
  returnFocus?: HTMLElement | null,
  extraKey?: (e: KeyboardEvent<HTMLElement>) => boolean,
): (e: KeyboardEvent<HTMLElement>) => void {
  const returnTo = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const active = document.activeElement;
    returnTo.current = returnFocus ?? (active instanceof HTMLElement ? active : null);
    const dialog = dialogRef.current;
    const first = dialog?.querySelector<HTMLElement>('[data-autofocus]') ?? focusablesIn(dialog)[0] ?? dialog;
    first?.focus();
    return () => {
      const target = returnTo.current;
      // The dialog is gone by now, so the element behind it can take focus again.
      if (target?.isConnected) target.focus();
    };
    // Opening is the only moment to remember where focus was; a later change of returnFocus must not re-run this.
  }, []);

  return useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      e.stopPropagation();
      if (extraKey?.(e)) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = focusablesIn(dialogRef.current);
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) {
        e.preventDefault();
        return;
      }
      const active = document.activeElement;
      const inside = !!active && !!dialogRef.current?.contains(active);
      if (e.shiftKey && (active === first || !inside)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !inside)) {
        e.preventDefault();
        first.focus();
      }
    },
    [dialogRef, onClose, extraKey],
  );
}

function focusablesIn(root: HTMLElement | null | undefined): HTMLElement[] {
  if (!root) return [];
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}
