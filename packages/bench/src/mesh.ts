#!/usr/bin/env node
/**
 * Mesh: N people (default 6) in one meeting room, each in their own headless Chromium with a fake camera and
 * microphone, all in one peer-to-peer call. Measures the CPU of one browser (its whole process tree, from /proc)
 * while media flows, the CPU of every other browser and of the whole machine in the same window, and how long the
 * call took to connect everyone.
 *
 *   node packages/bench/dist/mesh.js --people 6 --seconds 20 [--out artifacts/bench-mesh.json]
 *     [--join staggered|together] [--settle 5] [--connect-timeout 180] [--join-timeout 60] [--rejoins 2] [--nice-others]
 *
 * People walk into the room one after the other by default (`--join staggered`): each waits until the call has
 * connected them to everyone already inside, as people arrive at a real meeting. `--join together` sends everyone at
 * once. The measured window starts only when every pair is connected with video flowing both ways, and the result
 * counts only if, over the window, every person received more video bytes and decoded more frames from every other.
 * Progress goes to stderr; the JSON result to stdout and `--out`.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, setPriority } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sleep, startLocalServer } from './local-server.js';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import type { CallMeshRecovery } from '@metaoffice/client';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const T0 = Date.now();
const log = (msg: string) => console.error(`[mesh +${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}`);

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

/** Every thread of a process tree (nice is per thread on Linux, and new threads inherit their creator's). */
function treeThreads(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const tids: number[] = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      for (const t of readdirSync(`/proc/${pid}/task`)) tids.push(Number(t));
    } catch {
      /* gone */
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return tids;
}

/** The machine's CPU time so far, from /proc/stat: busy and total jiffies over all cores. */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

interface PeerRow {
  userId: string;
  connectionState: string;
  audioBytesReceived: number;
  videoBytesReceived: number;
  framesDecoded: number;
}
interface PageState {
  self: string;
  members: number;
  rows: PeerRow[];
}

/** Pages by person index; pageState never throws (a starved page answers late, not wrongly). */
async function pageState(p: Page): Promise<PageState> {
  return p.evaluate(async () => {
    const h = (window as any).__metaoffice;
    const c = h?.call?.() as { members: string[] } | null;
    const rows = (h?.stats ? await h.stats() : []) as PeerRow[];
    const s = h?.self?.() as { x: number; y: number } | undefined;
    return { self: s ? `${s.x},${s.y}` : '?', members: c?.members.length ?? 0, rows };
  });
}

/** Whether these people are all in one call, connected pairwise, with video received from each. */
function allConnected(states: PageState[], n: number): boolean {
  return states.length >= n && states.slice(0, n).every((s) => s.members === n && s.rows.length === n - 1 && s.rows.every((r) => r.connectionState === 'connected' && r.videoBytesReceived > 0));
}

function describe(states: PageState[]): string {
  return states
    .map((s, i) => `P${i + 1}@${s.self} m=${s.members} [${s.rows.map((r) => `${r.connectionState.slice(0, 4)}${r.videoBytesReceived > 0 ? '+v' : '-v'}`).join(' ')}]`)
    .join(' | ');
}

/** Outbound video as sent (resolution, frame rate, what limits it), summed over this page's peer connections. */
async function outbound(p: Page): Promise<{ width: number; height: number; fps: number; limitation: Record<string, number>; encoders: number }> {
  return p.evaluate(async () => {
    const pcs = ((window as any).__benchPcs ?? []) as RTCPeerConnection[];
    const out = { width: 0, height: 0, fps: 0, limitation: {} as Record<string, number>, encoders: 0 };
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s: any) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video' || !s.frameWidth) return;
        out.encoders++;
        out.width = Math.max(out.width, s.frameWidth);
        out.height = Math.max(out.height, s.frameHeight);
        out.fps += s.framesPerSecond ?? 0;
        out.limitation[s.qualityLimitationReason] = (out.limitation[s.qualityLimitationReason] ?? 0) + 1;
      });
    }
    out.fps = out.encoders ? +(out.fps / out.encoders).toFixed(1) : 0;
    return out;
  });
}

/** Why a connection is not up: each open peer connection's negotiation state, for the log when a join times out. */
async function pcDiag(p: Page): Promise<string> {
  return p.evaluate(() =>
    (((window as any).__benchPcs ?? []) as RTCPeerConnection[])
      .filter((pc) => pc.connectionState !== 'closed' && pc.connectionState !== 'connected')
      .map((pc) => `${pc.connectionState}/${pc.signalingState}/local:${pc.localDescription?.type ?? '-'}/remote:${pc.remoteDescription?.type ?? '-'}/tx:${pc.getTransceivers().map((t) => t.direction).join(',')}`)
      .join(' ; '),
  );
}

/** The server's count of rejected client frames by code (rate limit, signalling outside the conversation, …). */
async function rejected(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(base + '/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^metaoffice_ws_rejected_total\{code="([A-Z_]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function main(): Promise<void> {
  const people = Number(arg('people', '6'));
  const seconds = Number(arg('seconds', '20'));
  const out = arg('out', 'artifacts/bench-mesh.json');
  const join = arg('join', 'staggered');
  const settleS = Number(arg('settle', '5'));
  const connectTimeoutMs = Number(arg('connect-timeout', '180')) * 1000;
  const niceOthers = process.argv.includes('--nice-others');
  const joinTimeoutMs = Number(arg('join-timeout', '60')) * 1000;
  const rejoinLimit = Number(arg('rejoins', '2'));
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
  // One distinct tile each, spread over the room.
  const spots = Array.from({ length: people }, (_, i) => tiles[Math.floor(((i + 0.5) * tiles.length) / people)]!);
  if (new Set(spots.map((t) => `${t.x},${t.y}`)).size !== people) throw new Error(`room ${room.name} has too few walkable tiles`);
  log(`server ${base}; room "${room.name}" (capacity ${room.capacity ?? '-'}, ${tiles.length} walkable tiles); join ${join}`);

  const browsers: Browser[] = [];
  const pages: Page[] = [];
  const pids: number[] = [];
  for (let i = 0; i < people; i++) {
    const marker = `--metaoffice-bench-browser=${process.pid}-${i}`;
    const b = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // The marker flag (ignored by Chromium) finds this browser's main process in /proc.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', marker],
    });
    const ctx = await b.newContext({ viewport: { width: 1000, height: 700 }, permissions: ['camera', 'microphone'] });
    await ctx.addCookies([{ name: 'mo_session', value: cookies[i]!, url: base }]);
    // Keeps the page's peer connections reachable for outbound statistics (what is actually sent); changes nothing else.
    await ctx.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      const list: RTCPeerConnection[] = ((window as any).__benchPcs = []);
      window.RTCPeerConnection = class extends Native {
        constructor(cfg?: RTCConfiguration) {
          super(cfg);
          list.push(this);
        }
      } as typeof RTCPeerConnection;
    });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => log(`P${i + 1} page error: ${e.message}`));
    await page.goto(`${base}/office/${office.id}`);
    await page.locator('[data-avatar-visible="true"]').waitFor({ timeout: 60_000 });
    browsers.push(b);
    pages.push(page);
    pids.push(findPid(marker) ?? 0);
    log(`P${i + 1} in the office (browser pid ${pids[i]})`);
  }
  const states = () => Promise.all(pages.map(pageState));
  const treeCpu = () => pids.map((pid) => (pid ? treeCpuSeconds(pid) : 0));

  // Baseline: the measured browser with everybody in the office and nobody in a call (the office map alone).
  const idleS = 5;
  await sleep(3000);
  const idle0 = { tree: treeCpu(), m: machineCpu(), t: Date.now() };
  await sleep(idleS * 1000);
  const idle1 = { tree: treeCpu(), m: machineCpu(), t: Date.now() };
  const idleEl = (idle1.t - idle0.t) / 1000;
  const idleBrowser0 = +(((idle1.tree[0]! - idle0.tree[0]!) / idleEl) * 100).toFixed(1);
  const idleMachine = +(((idle1.m.busy - idle0.m.busy) / (idle1.m.total - idle0.m.total)) * 100 * cpus().length).toFixed(1);
  log(`idle in the office: browser 1 ${idleBrowser0}% of one core; machine ${idleMachine}% of one core`);

  // Walk in.
  const started = Date.now();
  const joinMs: number[] = [];
  const walkMs: number[] = [];
  /** Who had to walk out and in again because a connection never came up (see above). */
  const rejoins: number[] = [];
  let last = 0;
  const waitFor = async (n: number, deadline: number): Promise<boolean> => {
    for (;;) {
      const s = await states();
      if (allConnected(s, n)) return true;
      if (Date.now() - last > 5000) {
        last = Date.now();
        log(describe(s));
      }
      if (Date.now() > deadline) return false;
      await sleep(500);
    }
  };
  const walk = (i: number) => pages[i]!.evaluate(([x, y]) => (window as any).__metaoffice.walkTo(x, y), [spots[i]!.x, spots[i]!.y] as const);
  let ok = true;
  if (join === 'together') {
    await Promise.all(pages.map((_, i) => walk(i)));
    ok = await waitFor(people, started + connectTimeoutMs);
  } else {
    for (let i = 0; i < people && ok; i++) {
      const origin = (await pageState(pages[i]!)).self.split(',').map(Number) as [number, number];
      const spot = `${spots[i]!.x},${spots[i]!.y}`;
      for (let attempt = 0; ; attempt++) {
        const t = Date.now();
        await walk(i);
        // Walking from the spawn point to the room takes several seconds; the connection time counts from arrival.
        while ((await pageState(pages[i]!)).self !== spot && Date.now() - t < 60_000) await sleep(200);
        const arrived = Date.now();
        // The first person is alone in the room: their "call" has only them until the second arrives.
        ok = i === 0 ? true : await waitFor(i + 1, arrived + joinTimeoutMs);
        log(`P${i + 1} arrived after ${arrived - t} ms walking; ${ok ? `connected to ${i} others ${Date.now() - arrived} ms after arriving` : `NOT connected after ${Date.now() - arrived} ms`}`);
        if (ok || attempt >= rejoinLimit) {
          walkMs.push(arrived - t);
          joinMs.push(Date.now() - arrived);
          break;
        }
        // A pair that has not connected by now does not connect later (seen: both sides stable with offer and answer
        // applied, ICE still "new"). Do what a person would: walk out (the call drops them) and in again.
        for (let k = 0; k < people; k++) log(`P${k + 1} connections not up: ${await pcDiag(pages[k]!)}`);
        rejoins.push(i + 1);
        await pages[i]!.evaluate(([x, y]) => (window as any).__metaoffice.walkTo(x, y), origin);
        const left = Date.now();
        while ((await pageState(pages[i]!)).members !== 0 && Date.now() - left < 60_000) await sleep(300);
        log(`P${i + 1} walked out to rejoin`);
      }
    }
  }
  const allConnectedMs = Date.now() - started;
  const before = await states();
  log(`${ok ? 'everyone connected' : 'NOT everyone connected'} after ${allConnectedMs} ms: ${describe(before)}`);
  const rejectedFrames = await rejected(base);
  log(`frames the server rejected so far: ${JSON.stringify(rejectedFrames)}`);
  // What each page's call mesh did to get there: watchdog restarts, ICE restarts, stale or refused signals.
  const recovery = await Promise.all(pages.map((p) => p.evaluate(() => ((window as any).__metaoffice?.callRecovery?.() ?? null) as CallMeshRecovery | null)));
  recovery.forEach((r, i) => {
    if (!r) return;
    const { events, ...counts } = r;
    log(`P${i + 1} call recovery: ${JSON.stringify(counts)}`);
    for (const e of events) log(`P${i + 1}   ${e}`);
  });
  const recoveryTotals: Record<string, number> = {};
  for (const r of recovery) for (const [k, v] of Object.entries(r ?? {})) if (typeof v === 'number') recoveryTotals[k] = (recoveryTotals[k] ?? 0) + v;
  if (!ok) for (let i = 0; i < people; i++) log(`P${i + 1} connections not up: ${await pcDiag(pages[i]!)}`);

  // --nice-others: the other browsers yield the CPU to the measured one (nice 19), so its figure is closer to what it
  // needs on a machine of its own; they may then send fewer frames, which receivedVideoFps shows.
  if (niceOthers)
    for (const pid of pids.slice(1))
      for (const tid of pid ? treeThreads(pid) : [])
        try {
          setPriority(tid, 19);
        } catch {
          /* thread ended */
        }
  // Let the encoders ramp up after the last join, then measure.
  await sleep(settleS * 1000);
  const s0 = await states();
  const m0 = machineCpu();
  const cpu0 = treeCpu();
  const serverCpu0 = server.child.pid ? treeCpuSeconds(server.child.pid) : 0;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu1 = treeCpu();
  const m1 = machineCpu();
  const serverCpu1 = server.child.pid ? treeCpuSeconds(server.child.pid) : 0;
  const elapsed = (Date.now() - t0) / 1000;
  const s1 = await states();
  const sent = await outbound(pages[0]!);

  // Media flowed during the window: every person got more video bytes and decoded more frames from every other.
  let flowing = 0;
  let minFps = Infinity;
  let sumFps = 0;
  for (let i = 0; i < people; i++) {
    for (const r1 of s1[i]!.rows) {
      const r0 = s0[i]!.rows.find((r) => r.userId === r1.userId);
      if (!r0 || r1.connectionState !== 'connected') continue;
      if (r1.videoBytesReceived > r0.videoBytesReceived && r1.framesDecoded > r0.framesDecoded) flowing++;
      const fps = (r1.framesDecoded - r0.framesDecoded) / elapsed;
      minFps = Math.min(minFps, fps);
      sumFps += fps;
    }
  }
  const streams = people * (people - 1);
  // A pair is connected when both sides report their connection to the other connected.
  let pairs = 0;
  // Own userId: the member of the call who is not one of the page's peers.
  const ids = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).__metaoffice.call()?.members as string[] | undefined)));
  const selfIds = ids.map((members, i) => (members ?? []).find((id) => !s1[i]!.rows.some((r) => r.userId === id)));
  for (let i = 0; i < people; i++)
    for (let j = i + 1; j < people; j++) {
      const ij = s1[i]!.rows.find((r) => r.userId === selfIds[j])?.connectionState;
      const ji = s1[j]!.rows.find((r) => r.userId === selfIds[i])?.connectionState;
      if (ij === 'connected' && ji === 'connected') pairs++;
    }
  const valid = ok && flowing === streams && pairs === (people * (people - 1)) / 2;

  const pct = (a: number, b: number) => +(((b - a) / elapsed) * 100).toFixed(1);
  const browsersPct = cpu1.map((c, i) => pct(cpu0[i]!, c));
  const sorted = [...browsersPct].sort((a, b) => a - b);
  const cores = cpus().length;
  const machineShare = (m1.busy - m0.busy) / (m1.total - m0.total);
  const result = {
    bench: 'mesh',
    date: new Date().toISOString(),
    people,
    join,
    othersNiced: niceOthers,
    valid,
    allConnected: ok,
    connectedPairs: pairs,
    expectedPairs: (people * (people - 1)) / 2,
    videoStreamsFlowing: flowing,
    expectedVideoStreams: streams,
    everyoneConnectedAfterMs: allConnectedMs,
    walkToRoomMs: walkMs,
    connectedAfterArrivalMs: joinMs,
    rejoins,
    measuredSeconds: +elapsed.toFixed(1),
    oneBrowserCpuPercentOfOneCore: browsersPct[0],
    allBrowsersCpuPercentOfOneCore: browsersPct,
    medianBrowserCpuPercentOfOneCore: +((sorted[Math.floor((people - 1) / 2)]! + sorted[Math.ceil((people - 1) / 2)]!) / 2).toFixed(1),
    serverCpuPercentOfOneCore: pct(serverCpu0, serverCpu1),
    machineCpuPercentOfOneCore: +(machineShare * 100 * cores).toFixed(1),
    machineCpuPercentOfAllCores: +(machineShare * 100).toFixed(1),
    machineCores: cores,
    idleInOfficeBrowserCpuPercentOfOneCore: idleBrowser0,
    receivedVideoFps: { mean: +(sumFps / Math.max(1, streams)).toFixed(1), min: +(Number.isFinite(minFps) ? minFps : 0).toFixed(1) },
    sentVideo: sent,
    framesRejectedByServer: rejectedFrames,
    /** Summed over every page until everyone was connected: see CallMesh.recovery(). */
    callRecovery: recoveryTotals,
    note: 'all browsers and the server share this machine: when the machine is near 100% of all cores the per-browser figure is its share under contention, a lower bound of what it would use alone',
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  for (const b of browsers) await b.close();
  await server.stop();
  if (!valid) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
