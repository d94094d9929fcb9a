import { useEffect, useId, useMemo, useRef, useState, type MouseEvent } from 'react';
import { helpPageForLink, helpPages } from './helpPages.js';
import { useModalDialog } from './modal.js';
import { CloseButton } from './ShortcutOverlay.js';

type MarkdownModule = typeof import('./markdown.js');
let markdownModule: Promise<MarkdownModule> | undefined;

/** marked and DOMPurify, fetched the first time Help opens (once). */
export function loadMarkdown(): Promise<MarkdownModule> {
  markdownModule ??= import('./markdown.js');
  markdownModule.catch(() => (markdownModule = undefined));
  return markdownModule;
}

/**
 * The Help dialog: the list of help pages on the left, the chosen page on the right, rendered from Markdown and
 * sanitised. Links between pages open the other page here; links out of the app open in a new tab.
 */
export function HelpDialog({ initialPageId, returnFocus, onClose }: { initialPageId?: string | undefined; returnFocus?: HTMLElement | null; onClose(): void }) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const articleRef = useRef<HTMLElement>(null);
  const [pageId, setPageId] = useState(() => helpPages.find((p) => p.id === initialPageId)?.id ?? helpPages[0]?.id);
  const [md, setMd] = useState<MarkdownModule | null>(null);
  const [failed, setFailed] = useState(false);
  const onKeyDown = useModalDialog(ref, onClose, returnFocus);
  const page = helpPages.find((p) => p.id === pageId);

  useEffect(() => {
    let live = true;
    loadMarkdown().then(
      (m) => live && setMd(m),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);

  const html = useMemo(() => (md && page ? md.renderHelpMarkdown(page.markdown) : null), [md, page]);

  // A block body on purpose: newer browsers' scrollTo returns a promise, which React would take for a cleanup.
  useEffect(() => {
    if (articleRef.current) articleRef.current.scrollTop = 0;
  }, [pageId]);

  const followLink = (e: MouseEvent<HTMLElement>) => {
    const link = (e.target as Element).closest('a');
    const href = link?.getAttribute('href');
    if (!link || href === null || href === undefined) return;
    // Never navigate the office page away: the avatar would leave the office.
    e.preventDefault();
    const target = helpPageForLink(href);
    if (target) {
      setPageId(target.id);
      articleRef.current?.focus();
    } else if (/^https?:\/\//i.test(href)) {
      window.open(href, '_blank', 'noopener,noreferrer');
    }
  };

  return (
    <div className="dialog-backdrop help-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className="dialog card help-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="help-dialog"
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <div className="help-head">
          <h2 id={titleId}>Help</h2>
          <CloseButton label="Close help" onClick={onClose} />
        </div>
        <div className="help-body">
          <nav className="help-nav" aria-label="Help pages">
            <ul>
              {helpPages.map((p) => (
                <li key={p.id}>
                  <button
                    type="button"
                    className={`help-nav-item${p.id === pageId ? ' active' : ''}`}
                    aria-current={p.id === pageId ? 'page' : undefined}
                    onClick={() => setPageId(p.id)}
                    data-autofocus={p.id === pageId ? true : undefined}
                  >
                    {p.title}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <article
            ref={articleRef}
            className="help-page"
            aria-label={page?.title}
            aria-busy={html === null && !failed}
            tabIndex={0}
            onClick={followLink}
          >
            {failed ? (
              <p className="error-note" role="alert">
                The help pages could not be loaded. Check your connection and open Help again.
              </p>
            ) : html === null ? (
              <div className="help-loading">
                <span className="spinner small" aria-hidden="true" /> Loading…
              </div>
            ) : (
              // Sanitised by renderHelpMarkdown (DOMPurify) just above.
              <div className="help-markdown" dangerouslySetInnerHTML={{ __html: html }} />
            )}
          </article>
        </div>
      </div>
    </div>
  );
}
