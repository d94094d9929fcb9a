import DOMPurify, { type Config } from 'dompurify';
import { Marked } from 'marked';

/**
 * Markdown → HTML for the help pages. The pages are our own files, but the HTML still goes through DOMPurify before
 * it reaches the DOM: Markdown passes raw HTML through, and a page is one edit away from carrying a script, an event
 * handler or a `javascript:` link. Loaded only when Help opens (marked and DOMPurify stay out of the office's
 * first download).
 */

/** Headings one level below the dialog's own h2: a page's `#` becomes an h3. */
const HEADING_SHIFT = 2;

const markdown = new Marked({
  gfm: true,
  walkTokens(token) {
    if (token.type === 'heading') token.depth = Math.min(6, token.depth + HEADING_SHIFT);
  },
});

const SANITIZE: Config = {
  USE_PROFILES: { html: true },
  // Help text needs no forms, inline styles or embedded documents; anything like that in a page is a mistake.
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
};

/** Markdown as HTML, not yet sanitised: only for {@link renderHelpMarkdown} and tests. */
export function markdownToUnsafeHtml(source: string): string {
  return markdown.parse(source, { async: false });
}

/** Markdown as HTML that is safe to insert into the page. Throws where DOMPurify has no DOM to work with. */
export function renderHelpMarkdown(source: string): string {
  // Without a DOM, DOMPurify.sanitize returns its input unchanged; refuse rather than hand out unsanitised HTML.
  if (!DOMPurify.isSupported) throw new Error('DOMPurify needs a DOM to sanitise the help pages');
  return DOMPurify.sanitize(markdownToUnsafeHtml(source), { ...SANITIZE, RETURN_TRUSTED_TYPE: false });
}
