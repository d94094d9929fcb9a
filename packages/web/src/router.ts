import { useSyncExternalStore, type MouseEvent } from 'react';
import { resetTimeline } from './timeline.js';

/**
 * Client-side routing on the path. The server answers index.html for every non-API path, so a reload or a shared
 * link lands on the same screen. A dozen lines beat a router dependency for five routes.
 */
export type Route =
  | { name: 'signin'; next: string | null }
  | { name: 'signup'; next: string | null }
  | { name: 'invite'; token: string }
  | { name: 'offices' }
  | { name: 'account' }
  | { name: 'office'; officeId: string }
  | { name: 'editor'; officeId: string }
  | { name: 'teams'; page: TeamsPage; officeId: string | null }
  | { name: 'notFound' };

/** The pages Microsoft Teams opens: tab configuration, channel tab, personal tab, and the consent pop-up's two ends. */
export type TeamsPage = 'config' | 'tab' | 'personal' | 'authStart' | 'authEnd';
const teamsPages: Record<string, TeamsPage> = {
  '/teams/config': 'config',
  '/teams/tab': 'tab',
  '/teams/personal': 'personal',
  '/teams/auth-start': 'authStart',
  '/teams/auth-end': 'authEnd',
};

export function parseRoute(pathname: string, search = ''): Route {
  const next = new URLSearchParams(search).get('next');
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'offices' };
  if (path === '/signin') return { name: 'signin', next };
  if (path === '/signup') return { name: 'signup', next };
  if (path === '/account') return { name: 'account' };
  const invite = /^\/invite\/([^/]+)$/.exec(path);
  if (invite?.[1]) return { name: 'invite', token: decodeURIComponent(invite[1]) };
  const teamsPage = teamsPages[path];
  if (teamsPage) return { name: 'teams', page: teamsPage, officeId: new URLSearchParams(search).get('office') };
  const editor = /^\/office\/([^/]+)\/edit$/.exec(path);
  if (editor?.[1]) return { name: 'editor', officeId: decodeURIComponent(editor[1]) };
  const office = /^\/office\/([^/]+)$/.exec(path);
  if (office?.[1]) return { name: 'office', officeId: decodeURIComponent(office[1]) };
  return { name: 'notFound' };
}

/** Pages that a signed-out visitor may see; every other page sends them to /signin. */
export function isPublic(route: Route): boolean {
  // Teams pages sign in on their own, through Teams single sign-on.
  return route.name === 'signin' || route.name === 'signup' || route.name === 'invite' || route.name === 'teams';
}

const listeners = new Set<() => void>();
let lastNavigationAt = 0; // performance.now() of the latest navigation; 0 is the page load itself

function notify(): void {
  for (const l of listeners) l();
}

window.addEventListener('popstate', () => {
  lastNavigationAt = performance.now();
  resetTimeline();
  notify();
});

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  lastNavigationAt = performance.now();
  resetTimeline();
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

/** When the current screen was navigated to, on the performance.now() clock (0 = the page load). */
export function navigationStartedAt(): number {
  return lastNavigationAt;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const currentHref = (): string => location.pathname + location.search;

/** The current path and query; re-renders on navigation. */
export function useLocationHref(): string {
  return useSyncExternalStore(subscribe, currentHref);
}

/** For `<a href onClick={followLink}>`: keeps plain links (open in new tab, copy address) and routes a normal click in-app. */
export function followLink(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute('href');
  if (!href || !href.startsWith('/') || event.currentTarget.target === '_blank') return;
  event.preventDefault();
  navigate(href);
}

/** Where to go after signing in: only a path on this site, so a crafted ?next= cannot send people elsewhere. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
