#!/usr/bin/env node
/**
 * Walkers: N simulated people signing up, joining one office over the real protocol and random-walking at 4 steps/s.
 * Measures what a person's client receives (bytes per second), how long a step takes to reach other screens, and
 * the server's CPU and memory. Writes JSON and an SVG chart.
 *
 *   node packages/bench/dist/walkers.js --users 50 --seconds 30 [--url http://127.0.0.1:3000] [--out file.json]
 *
 * Without --url it starts the built server itself (a fresh data folder), so server CPU can be read from /proc.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ApiClient, OfficeConnection } from '@metaoffice/client';
import { nodeSocketFactory } from '@metaoffice/client/node';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import type { Direction } from '@metaoffice/protocol';
import { sleep, startLocalServer } from './local-server.js';

interface Args {
  users: number;
  seconds: number;
  url?: string;
  out: string;
  smoke: boolean;
  viewCols: number;
  viewRows: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { users: 50, seconds: 30, out: 'artifacts/bench-walkers.json', smoke: false, viewCols: 40, viewRows: 25 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const num = () => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} needs a positive number`);
      i++;
      return n;
    };
    if (k === '--users') a.users = Math.floor(num());
    else if (k === '--seconds') a.seconds = num();
    else if (k === '--url') (a.url = v), i++;
    else if (k === '--out') (a.out = v!), i++;
    else if (k === '--smoke') a.smoke = true;
    else if (k === '--view') {
      const [c, r] = (v ?? '').split('x').map(Number);
      a.viewCols = c || 40;
      a.viewRows = r || 25;
      i++;
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const DIRS: [Direction, number, number][] = [['up', 0, -1], ['down', 0, 1], ['left', -1, 0], ['right', 1, 0]];

interface Walker {
  conn: OfficeConnection;
  pos: TilePos;
  dir: Direction;
  bytes: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const own = args.url ? undefined : await startLocalServer();
  const base = args.url ?? own!.url;
  const wsUrl = base.replace(/^http/, 'ws') + '/ws';
  const runTag = Date.now().toString(36);

  // Sign up: the first walker becomes an admin (of the demo organisation on a fresh server) and invites the rest.
  const first = new ApiClient({ baseUrl: base, cookieJar: true });
  await first.signUp({ email: `walker0.${runTag}@bench.test`, password: 'bench-password', name: 'Walker 0' });
  const invite = await first.createInvite();
  const apis = [first];
  for (let i = 1; i < args.users; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, args.users - i) }, async (_, j) => {
        const api = new ApiClient({ baseUrl: base, cookieJar: true });
        await api.signUp({ email: `walker${i + j}.${runTag}@bench.test`, password: 'bench-password', name: `Walker ${i + j}`, inviteToken: invite.token });
        return api;
      }),
    );
    apis.push(...batch);
  }
  const office = (await first.listOffices())[0]!;
  const map = OfficeMap.fromTiled(await first.getOfficeMap(office.id));

  // When each step was sent, by avatar and tile, so receivers can tell how long it took to reach them.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let movesReceived = 0;
  let corrections = 0;
  let stepsSent = 0;

  const walkers: Walker[] = [];
  for (const api of apis) {
    const conn = new OfficeConnection({ url: wsUrl, officeId: office.id, viewport: { cols: args.viewCols, rows: args.viewRows }, socketFactory: nodeSocketFactory(() => api.cookieHeader()) });
    const w: Walker = { conn, pos: { x: 0, y: 0 }, dir: 'down', bytes: 0 };
    conn.on('bytes', (n) => (w.bytes += n));
    conn.on('move', (m) => {
      movesReceived++;
      const t = sentAt.get(`${m.avatarId}:${m.x}:${m.y}`);
      if (t !== undefined) latencies.push(performance.now() - t);
    });
    conn.on('correction', (c) => {
      corrections++;
      w.pos = { x: c.x, y: c.y };
    });
    const welcomed = new Promise<void>((resolve) => conn.on('welcome', (msg) => { w.pos = { x: msg.self.x, y: msg.self.y }; resolve(); }));
    conn.connect();
    await welcomed;
    walkers.push(w);
  }
  console.log(`${walkers.length} walkers connected to "${office.name}" (${map.width}x${map.height} tiles)`);

  // Random walk at 4 steps/s, each walker on its own phase, keeping its direction most of the time like a person.
  const cpu0 = own ? cpuSeconds(own.child.pid!) : 0;
  for (const w of walkers) w.bytes = 0;
  const started = performance.now();
  const timers = walkers.map((w, i) => {
    const step = () => {
      const options = DIRS.filter(([, dx, dy]) => map.isWalkable(w.pos.x + dx, w.pos.y + dy));
      if (options.length === 0) return;
      const keep = options.find(([d]) => d === w.dir);
      const [dir, dx, dy] = keep && Math.random() < 0.75 ? keep : options[Math.floor(Math.random() * options.length)]!;
      w.pos = { x: w.pos.x + dx, y: w.pos.y + dy };
      w.dir = dir;
      const self = w.conn.self;
      if (self) sentAt.set(`${self.avatarId}:${w.pos.x}:${w.pos.y}`, performance.now());
      w.conn.step(w.pos.x, w.pos.y, dir, true);
      stepsSent++;
    };
    const t = setTimeout(() => {
      step();
      timers[i] = setInterval(step, 250) as unknown as ReturnType<typeof setTimeout>;
    }, (i * 250) / walkers.length);
    return t;
  });
  await sleep(args.seconds * 1000);
  for (const t of timers) clearInterval(t as unknown as ReturnType<typeof setInterval>);
  const elapsed = (performance.now() - started) / 1000;
  const cpu1 = own ? cpuSeconds(own.child.pid!) : 0;
  const rss = own ? rssBytes(own.child.pid!) : 0;

  const perClient = walkers.map((w) => w.bytes / elapsed).sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const result = {
    bench: 'walkers',
    date: new Date().toISOString(),
    users: walkers.length,
    seconds: Number(elapsed.toFixed(1)),
    view: `${args.viewCols}x${args.viewRows} tiles`,
    stepsSent,
    movesReceived,
    corrections,
    bytesPerSecondPerClient: { median: Math.round(percentile(perClient, 50)), p95: Math.round(percentile(perClient, 95)), max: Math.round(perClient.at(-1) ?? 0) },
    moveToScreenMs: { p50: +percentile(latencies, 50).toFixed(1), p99: +percentile(latencies, 99).toFixed(1), samples: latencies.length },
    server: own ? { cpuPercentOfOneCore: +(((cpu1 - cpu0) / elapsed) * 100).toFixed(1), rssMB: +(rss / 1048576).toFixed(1) } : null,
  };
  for (const w of walkers) w.conn.close();
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(args.out, JSON.stringify(result, null, 2));
  writeFileSync(args.out.replace(/\.json$/, '') + '.svg', chart(result, perClient));
  await own?.stop();

  if (args.smoke) {
    // The smoke run checks the pipeline works end to end, not performance targets (those are read off full runs).
    const problems: string[] = [];
    if (result.users !== args.users) problems.push(`only ${result.users} of ${args.users} connected`);
    if (stepsSent === 0 || movesReceived === 0) problems.push('no moves were delivered');
    if (corrections > stepsSent * 0.05) problems.push(`${corrections} of ${stepsSent} steps were corrected`);
    if (!(result.moveToScreenMs.p99 < 1000)) problems.push(`p99 move-to-screen ${result.moveToScreenMs.p99} ms`);
    if (problems.length) {
      console.error('bench smoke failed: ' + problems.join('; '));
      process.exit(1);
    }
    console.log('bench smoke passed');
  }
}

function chart(r: { users: number; bytesPerSecondPerClient: { median: number }; moveToScreenMs: { p50: number; p99: number } }, perClient: number[]): string {
  const w = 640;
  const h = 240;
  const max = Math.max(1, ...perClient);
  const bars = perClient
    .map((v, i) => {
      const bw = (w - 80) / perClient.length;
      const bh = (v / max) * (h - 70);
      return `<rect x="${(60 + i * bw).toFixed(1)}" y="${(h - 30 - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#5b7fd6"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14">Bytes/s received per client, ${r.users} walkers (sorted); median ${r.bytesPerSecondPerClient.median} B/s; move→screen p50 ${r.moveToScreenMs.p50} ms, p99 ${r.moveToScreenMs.p99} ms</text>
<text x="10" y="${h - 30}">0</text><text x="10" y="45">${Math.round(max)}</text>
${bars}
</svg>`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
