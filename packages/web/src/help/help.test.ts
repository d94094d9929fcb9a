import { describe, expect, it } from 'vitest';
import { helpPageForLink, helpPages, pageFrom } from './helpPages.js';
import { markdownToUnsafeHtml, renderHelpMarkdown } from './markdown.js';
import { shortcutGroups } from './shortcuts.js';

describe('help pages', () => {
  it('are the Markdown files in pages/, in file-name order, each with a title', () => {
    expect(helpPages.map((p) => p.id)).toEqual(['getting-around', 'conversations-and-meeting-rooms', 'your-status-and-devices', 'keyboard-shortcuts']);
    expect(helpPages.map((p) => p.title)).toEqual(['Getting around', 'Conversations and meeting rooms', 'Your status and devices', 'Keyboard shortcuts']);
    for (const page of helpPages) expect(page.markdown.length).toBeGreaterThan(200);
  });

  it('refuses a page without a title', () => {
    expect(() => pageFrom('05-untitled.md', 'Just text.\n\n## Not a title')).toThrow(/no "# Title" heading/);
  });

  it('link to each other only by names that exist', () => {
    for (const page of helpPages) {
      for (const [, href] of page.markdown.matchAll(/\]\(([^)]+)\)/g)) {
        expect(helpPageForLink(href!), `${page.fileName} links to ${href}`).toBeDefined();
      }
    }
    expect(helpPageForLink('04-keyboard-shortcuts.md')?.id).toBe('keyboard-shortcuts');
    expect(helpPageForLink('./getting-around#click-to-walk')?.id).toBe('getting-around');
    expect(helpPageForLink('https://example.test/04-keyboard-shortcuts.md')).toBeUndefined();
    expect(helpPageForLink('javascript:alert(1)')).toBeUndefined();
  });

  it('the Keyboard shortcuts page names every key the ? list shows', () => {
    const page = helpPages.find((p) => p.id === 'keyboard-shortcuts')!;
    const keys = new Set(shortcutGroups.flatMap((g) => g.shortcuts.flatMap((s) => s.keys)));
    for (const key of keys) expect(page.markdown, key).toContain(`<kbd>${key}</kbd>`);
  });
});

describe('help Markdown', () => {
  it('renders headings one level below the dialog title, tables, lists and key caps', () => {
    const html = markdownToUnsafeHtml('# Title\n\n## Part\n\n- one\n- two\n\n| Keys | What |\n| --- | --- |\n| <kbd>W</kbd> | Walk up |\n');
    expect(html).toContain('<h3>Title</h3>');
    expect(html).toContain('<h4>Part</h4>');
    expect(html).toContain('<li>one</li>');
    expect(html).toMatch(/<td><kbd>W<\/kbd><\/td>/);
  });

  it('renders every page', () => {
    for (const page of helpPages) expect(markdownToUnsafeHtml(page.markdown)).toContain(`<h3>${page.title}</h3>`);
  });

  it('passes raw HTML through, which is why the output is sanitised before use', () => {
    const html = markdownToUnsafeHtml('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1))');
    expect(html).toContain('<script>');
    expect(html).toContain('onerror');
  });

  // DOMPurify needs a DOM, which the unit tests do not have (no jsdom here); the sanitised output is checked in real
  // Chromium by e2e/help.e2e.test.ts. Here: without a DOM the renderer refuses instead of returning unsanitised HTML.
  it('refuses to render where there is no DOM to sanitise with', () => {
    expect(() => renderHelpMarkdown('<script>alert(1)</script>')).toThrow(/DOMPurify needs a DOM/);
  });
});
