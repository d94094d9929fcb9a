#!/usr/bin/env node
/**
 * Mesh: N people (default 6) in one meeting room, each in their own headless Chromium with a fake camera and
 * microphone, all in one peer-to-peer call. Measures the CPU of one browser (its whole process tree, from /proc)
 * while media flows, and how long the call took to connect everyone.
 *
 *   node packages/bench/dist/mesh.js --people 6 --seconds 20 [--out artifacts/bench-mesh.json]
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sleep, startLocalServer } from './local-server.js';
import { OfficeMap, type TilePos } from '@metaoffice/world';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}
/** CPU seconds of a process and all its descendants (Chromium runs renderer, GPU and utility processes). */
function treeCpuSeconds(rootPid: number): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      /* process ended while reading */
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += cpu.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** The main process of the browser launched with this marker (the one whose parent is not itself marked). */
function findPid(marker: string): number | undefined {
  const marked: { pid: number; ppid: number }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      marked.push({ pid: Number(d), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      /* gone */
    }
  }
  const pids = new Set(marked.map((m) => m.pid));
  return marked.find((m) => !pids.has(m.ppid))?.pid;
}

async function main(): Promise<void> {
  const people = Number(arg('people', '6'));
  const seconds = Number(arg('seconds', '20'));
  const out = arg('out', 'artifacts/bench-mesh.json');
  const server = await startLocalServer();
  const base = server.url;

  // Accounts: the first signs up, invites the rest.
  const signUp = async (i: number, inviteToken?: string) => {
    const r = await fetch(base + '/api/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `mesh${i}.${Date.now()}@bench.test`, password: 'bench-password', name: `Person ${i + 1}`, ...(inviteToken ? { inviteToken } : {}) }),
    });
    return /mo_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1]!;
  };
  const cookies = [await signUp(0)];
  const invite = (await (await fetch(base + '/api/invites', { method: 'POST', headers: { cookie: `mo_session=${cookies[0]}` } })).json()) as { token: string };
  for (let i = 1; i < people; i++) cookies.push(await signUp(i, invite.token));
  const office = ((await (await fetch(base + '/api/offices', { headers: { cookie: `mo_session=${cookies[0]}` } })).json()) as { id: string }[])[0]!;
  const map = OfficeMap.fromTiled(await (await fetch(`${base}/api/offices/${office.id}/map`, { headers: { cookie: `mo_session=${cookies[0]}` } })).json());
  const room = map.zones.filter((z) => z.kind === 'meeting-room' && (z.capacity ?? 99) >= people).sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!room) throw new Error(`no meeting room for ${people} people`);
  const tiles: TilePos[] = [];
  for (let y = room.y; y < room.y + room.height; y++) for (let x = room.x; x < room.x + room.width; x++) if (map.isWalkable(x, y)) tiles.push({ x, y });

  const browsers: Browser[] = [];
  const pages: Page[] = [];
  for (let i = 0; i < people; i++) {
    const b = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // The marker flag (ignored by Chromium) finds this browser's main process in /proc.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--metaoffice-bench-browser=${process.pid}-${i}`],
    });
    const ctx = await b.newContext({ viewport: { width: 1000, height: 700 }, permissions: ['camera', 'microphone'] });
    await ctx.addCookies([{ name: 'mo_session', value: cookies[i]!, url: base }]);
    const page = await ctx.newPage();
    await page.goto(`${base}/office/${office.id}`);
    await page.locator('[data-avatar-visible="true"]').waitFor({ timeout: 60_000 });
    browsers.push(b);
    pages.push(page);
  }
  const started = Date.now();
  // Spread people over the room's tiles.
  await Promise.all(pages.map((p, i) => p.evaluate(([x, y]) => (window as any).__metaoffice.walkTo(x, y), [tiles[(i * 7) % tiles.length]!.x, tiles[(i * 7) % tiles.length]!.y] as const)));
  const connected = async () => {
    for (const p of pages) {
      const s = (await p.evaluate(() => (window as any).__metaoffice.stats())) as { connectionState: string; videoBytesReceived: number }[];
      if (s.length !== people - 1 || !s.every((x) => x.connectionState === 'connected' && x.videoBytesReceived > 0)) return false;
    }
    return true;
  };
  for (let i = 0; i < 240 && !(await connected()); i++) await sleep(500);
  const allConnectedMs = Date.now() - started;
  const ok = await connected();

  const pid = findPid(`--metaoffice-bench-browser=${process.pid}-0`);
  const cpu0 = pid ? treeCpuSeconds(pid) : 0;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu1 = pid ? treeCpuSeconds(pid) : 0;
  const elapsed = (Date.now() - t0) / 1000;
  const result = {
    bench: 'mesh',
    date: new Date().toISOString(),
    people,
    allConnected: ok,
    everyoneConnectedAfterMs: allConnectedMs,
    oneBrowserCpuPercentOfOneCore: +(((cpu1 - cpu0) / elapsed) * 100).toFixed(1),
    machineCores: (await import('node:os')).cpus().length,
    note: 'all browsers and the server share this machine, so the per-browser figure includes contention',
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(out, JSON.stringify(result, null, 2));
  for (const b of browsers) await b.close();
  await server.stop();
  if (!ok) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
