import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { extname, normalize } from 'node:path';
import { generate } from 'selfsigned';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

export interface PeerStats {
  userId: string;
  connectionState: string;
  audioBytesReceived: number;
  videoBytesReceived: number;
  framesDecoded: number;
}

/** What the office screen exposes on `window.__metaoffice` for tests and diagnostics. */
export interface OfficeProbe {
  avatarVisibleMs?: number;
  self(): { x: number; y: number };
  others(): { userId: string; name: string; x: number; y: number }[];
  call(): { id: string; kind: string; members: string[] } | null;
  stats(): Promise<PeerStats[]>;
  walkTo(x: number, y: number): void;
  setStatus(availability: string): void;
  /** The connection's state: 'connecting', 'open' or 'closed'. */
  state(): string;
  /** Whether the drawn map blocks a tile (walls, furniture), as the own avatar's movement sees it. */
  tileBlocked(x: number, y: number): boolean | undefined;
  /** Where a tile's centre is on the page now (CSS pixels), to tap or click it. */
  tileOnPage(x: number, y: number): { x: number; y: number } | undefined;
  /** The texture another person's avatar is drawn with (`avatar:<choices>` for a layered avatar). */
  avatarTexture(userId: string): string | undefined;
  /** The tags drawn on the map (room names, names on assigned desks). */
  mapTags(): { kind: string; text: string }[];
  firstRemoteFrameMs?: number;
  lastCallClosedMs?: number;
}
declare global {
  interface Window {
    __metaoffice?: OfficeProbe;
  }
}

export const ROOT = new URL('..', import.meta.url).pathname;
export const SHOTS = join(ROOT, 'artifacts', 'e2e');
mkdirSync(SHOTS, { recursive: true });

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface BuiltServer {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Runs the built server exactly as `npm start` does, on a free port with a fresh data folder. */
export async function startBuiltServer(env: Record<string, string> = {}): Promise<BuiltServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mo-e2e-'));
  let child: ChildProcess;
  const boot = async () => {
    child = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js')], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', PUBLIC_URL: `http://127.0.0.1:${port}`, AUTH_RATE_LIMIT_PER_MINUTE: '1000', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const halt = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  await boot();
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    restart: async () => {
      await halt();
      await boot();
    },
    stop: async () => {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs up through the UI (the sign-up page, or an invite link) and lands on the offices page. */
export async function signUp(page: Page, base: string, path: string, name: string, email: string): Promise<void> {
  await page.goto(base + path);
  await page.locator('#name').fill(name);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill('a-long-password');
  await page.locator('#password').press('Enter');
  await page.waitForURL((u) => u.pathname === '/', { timeout: 15_000 });
}

/** Joins the first office card and waits until the own avatar is drawn. */
export async function joinFirstOffice(page: Page): Promise<void> {
  await page.locator('[data-testid="join-office"]').first().click();
  await page.waitForURL(/\/office\//);
  await page.locator('[data-avatar-visible="true"]').waitFor({ timeout: 20_000 });
}

/**
 * The set-up every browser test file shares: the built server and one Chromium, started before the file's tests and
 * stopped after them. Read `env.server` and `env.browser` inside tests and hooks.
 */
export function useServerAndBrowser(): { server: BuiltServer; browser: Browser } {
  const env = {} as { server: BuiltServer; browser: Browser };
  beforeAll(async () => {
    env.server = await startBuiltServer();
    env.browser = await launchChromium();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Walks the own avatar to a tile through the office screen's test hook and waits until it stands there. The walk is
 * paced by the page's frames, so several pages drawing at once on a busy machine walk slower: they may wait longer.
 */
export async function walkTo(page: Page, to: { x: number; y: number }, timeoutMs = 20_000): Promise<void> {
  await page.evaluate(([x, y]) => window.__metaoffice!.walkTo(x, y), [to.x, to.y] as const);
  await page.waitForFunction(([x, y]) => {
    const s = window.__metaoffice!.self();
    return s.x === x && s.y === y;
  }, [to.x, to.y] as const, { timeout: timeoutMs });
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

/**
 * The built web app as static files over https (TeamsJS refuses an http pop-up URL), with a self-signed certificate
 * for 127.0.0.1 and localhost; nothing else, so API routes exist only where a test routes them. Paths for which
 * `spaRoute` is true get index.html, as the server answers the app's own routes.
 */
export async function startStaticHttpsServer(spaRoute: (path: string) => boolean = () => false): Promise<{ server: Server; origin: string }> {
  const dist = join(ROOT, 'packages/web/dist');
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }] });
  const server = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname));
    const file = spaRoute(path) ? join(dist, 'index.html') : join(dist, path);
    const serve = async () => {
      if (req.method !== 'GET' || !file.startsWith(dist + '/') || !(await stat(file)).isFile()) throw new Error('not found');
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    };
    serve().catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
