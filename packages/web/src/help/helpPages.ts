/**
 * The help pages: every `pages/*.md` file, bundled as text (Vite's `?raw`), so adding a page is adding a file. The
 * number in front of a file name sets the order in the list; the page's first `# ` heading is its title.
 */
export interface HelpPage {
  /** The file name without the order number and `.md`: `02-conversations-and-meeting-rooms.md` → `conversations-and-meeting-rooms`. */
  id: string;
  fileName: string;
  title: string;
  markdown: string;
}

const files = import.meta.glob<string>('./pages/*.md', { query: '?raw', import: 'default', eager: true });

export const helpPages: readonly HelpPage[] = Object.entries(files)
  .map(([path, markdown]) => pageFrom(path.slice(path.lastIndexOf('/') + 1), markdown))
  .sort((a, b) => a.fileName.localeCompare(b.fileName, 'en', { numeric: true }));

export function pageFrom(fileName: string, markdown: string): HelpPage {
  const title = /^#\s+(.+?)\s*$/m.exec(markdown)?.[1];
  if (!title) throw new Error(`help page ${fileName} has no "# Title" heading`);
  return { id: fileName.replace(/^\d+-/, '').replace(/\.md$/, ''), fileName, title, markdown };
}

/**
 * The page a link in a help page points to, if it points to one. Pages link to each other by file name
 * (`[Keyboard shortcuts](04-keyboard-shortcuts.md)`), which also works when the files are read on their own.
 */
export function helpPageForLink(href: string, pages: readonly HelpPage[] = helpPages): HelpPage | undefined {
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(href)) return undefined;
  const name = href.split(/[?#]/)[0]!.split('/').pop() ?? '';
  return pages.find((p) => p.fileName === name || p.id === name);
}
