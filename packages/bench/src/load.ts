#!/usr/bin/env node
/**
 * The load benchmark: N simulated people in one office over the real protocol, random-walking at 4 steps/s with
 * pauses, spread over worker threads so the load generator is not the bottleneck. Observers among them time each
 * step from being sent to appearing in their world mirror.
 *
 *   npm run bench -- --users N --duration S [--url URL] [--office ID] [--json FILE] [--chart FILE]
 *                    [--sweep 1000,2500,5000,10000] [--mode aoi|broadcast] [--workers 2] [--ramp 400] [--smoke]
 *
 * Without --url it starts the built server itself (a fresh SQLite data folder per size), so its CPU and memory come
 * from /proc; with --url they come from the server's /metrics.
 */
import { Worker } from 'node:worker_threads';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiClient } from '@metaoffice/client';
import { OfficeMap } from '@metaoffice/world';
import { sleep, startLocalServer, type LocalServer } from './local-server.js';
import { StepLog } from './step-log.js';
import type { WorkerInput, WorkerMessage, WorkerResult } from './load-worker.js';
import { cpuSeconds, percentile, readMetrics, rssBytes, histogramQuantile, type MetricsSample } from './measure.js';
import { sweepChart } from './chart.js';

export interface LoadArgs {
  users: number;
  duration: number;
  url?: string;
  office?: string;
  json: string;
  chart?: string;
  sweep?: number[];
  mode: 'aoi' | 'broadcast';
  workers: number;
  ramp: number;
  observers: number;
  view: { cols: number; rows: number };
  template?: string;
  warmup: number;
  smoke: boolean;
  /** Write a V8 CPU profile of the server it starts into this folder (--cpu-prof). */
  serverProf?: string;
  /** Extra environment for the server it starts (--server-env NAME=VALUE, repeatable), e.g. AOI_CELL_TILES=5. */
  serverEnv: Record<string, string>;
}

/** One run's result: the fields DESIGN §9 and the scale issue name, plus what helps read them. */
export interface LoadResult {
  users: number;
  connected: number;
  mode: 'aoi' | 'broadcast';
  map: string;
  durationS: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  latencySamples: number;
  deliveredRatio: number;
  serverCpuPct: number;
  serverRssMb: number;
  /** V8 heap in use at the end: the JavaScript part of the memory (RSS adds buffers, code and the allocator's slack). */
  serverHeapUsedMb: number;
  downKBpsPerClient: number;
  /** Of the download, the JSON part (enters, leaves, presence, calls); the rest is binary moves. */
  downJsonKBpsPerClient: number;
  upKBpsPerClient: number;
  tickMsP99: number;
  eventLoopLagMsP99: number;
  loadgenCpuPct: number;
  stepsPerSecond: number;
  corrections: number;
  reconnects: number;
  /** JSON bytes per second per client, by message type (who, conversation, people, error, ...). */
  jsonBpsPerClientByType: Record<string, number>;
}

export function parseArgs(argv: string[]): LoadArgs {
  const a: LoadArgs = { users: 200, duration: 30, json: 'artifacts/bench-load.json', mode: 'aoi', workers: 2, ramp: 400, observers: 100, view: { cols: 40, rows: 25 }, warmup: 5, smoke: false, serverEnv: {} };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    const need = (): string => {
      if (v === undefined || v.startsWith('--')) throw new Error(`${k} needs a value`);
      i++;
      return v;
    };
    const num = (): number => {
      const n = Number(need());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} needs a positive number, got "${v}"`);
      return n;
    };
    switch (k) {
      case '--users': a.users = Math.floor(num()); break;
      case '--duration': case '--seconds': a.duration = num(); break;
      case '--url': a.url = need().replace(/\/$/, ''); break;
      case '--office': a.office = need(); break;
      case '--json': case '--out': a.json = need(); break;
      case '--chart': a.chart = need(); break;
      case '--sweep': a.sweep = need().split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--sweep takes a comma-separated list of user counts, got "${s}"`);
        return n;
      }); break;
      case '--mode': {
        const m = need();
        if (m !== 'aoi' && m !== 'broadcast') throw new Error('--mode is aoi or broadcast');
        a.mode = m;
        break;
      }
      case '--workers': a.workers = Math.floor(num()); break;
      case '--ramp': a.ramp = num(); break;
      case '--observers': a.observers = Math.floor(num()); break;
      case '--warmup': a.warmup = num(); break;
      case '--template': a.template = need(); break;
      case '--view': {
        const [c, r] = need().split('x').map(Number);
        if (!c || !r) throw new Error('--view is COLSxROWS, e.g. 40x25');
        a.view = { cols: c, rows: r };
        break;
      }
      case '--smoke': a.smoke = true; break;
      case '--server-prof': a.serverProf = need(); break;
      case '--server-env': {
        const [name, ...rest] = need().split('=');
        if (!name || !/^[A-Z_][A-Z0-9_]*$/.test(name) || rest.length === 0) throw new Error('--server-env takes NAME=VALUE');
        a.serverEnv[name] = rest.join('=');
        break;
      }
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  if (a.url && a.mode === 'broadcast') throw new Error('--mode broadcast starts its own server; it cannot be used with --url (set AOI_MODE=broadcast on that server instead)');
  return a;
}

const log = (s: string) => console.log(`[bench] ${s}`);

/** The map sized for the crowd: about 20 walkable tiles per person at the top of each template's range. */
function templateFor(users: number): string {
  return users <= 1500 ? 'event-hall' : 'convention-centre';
}

async function signUpMany(base: string, count: number, tag: string, inviteToken: string, first: ApiClient): Promise<string[]> {
  const cookies: string[] = [first.cookieHeader()!];
  let next = 1;
  let lastPrint = Date.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const api = new ApiClient({ baseUrl: base, cookieJar: true });
      await api.signUp({ email: `load${i}.${tag}@bench.test`, password: 'bench-password-1', name: `Walker ${i}`, inviteToken });
      cookies[i] = api.cookieHeader()!;
      if (Date.now() - lastPrint > 2000) {
        lastPrint = Date.now();
        log(`signed up ${cookies.filter(Boolean).length}/${count}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return cookies;
}

export async function runOnce(args: LoadArgs, users: number): Promise<LoadResult> {
  let own: LocalServer | undefined;
  if (!args.url) {
    // PASSWORD_COST: signing up 10,000 bots at the production scrypt cost would take minutes of CPU before the
    // benchmark starts; the cost of sign-in is not what this measures.
    own = await startLocalServer({
      PASSWORD_COST: '10',
      AOI_MODE: args.mode,
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      SEED_DEMO: 'true',
      ...args.serverEnv,
    }, args.serverProf ? ['--cpu-prof', `--cpu-prof-dir=${args.serverProf}`] : []);
    log(`server started at ${own.url} (pid ${own.child.pid}, AOI_MODE=${args.mode})`);
  }
  const base = args.url ?? own!.url;
  try {
    const tag = Date.now().toString(36);
    const first = new ApiClient({ baseUrl: base, cookieJar: true });
    await first.signUp({ email: `load0.${tag}@bench.test`, password: 'bench-password-1', name: 'Walker 0' });
    const invite = await first.createInvite();
    const template = args.template ?? templateFor(users);
    const officeId = args.office ?? (await first.createOffice({ name: `Load ${users}`, description: 'Benchmark', template })).id;
    const tmj = await first.getOfficeMap(officeId);
    const map = OfficeMap.fromTiled(tmj);
    log(`office ${officeId} (${template}, ${map.width}x${map.height}); signing up ${users} people`);
    const cookies = await signUpMany(base, users, tag, invite.token, first);

    // Everyone starts on a random walkable tile outside rooms, so the crowd covers the floor as at an event in full swing.
    const tiles: { x: number; y: number }[] = [];
    const rooms = map.zones.filter((z) => z.kind === 'meeting-room');
    for (let y = 0; y < map.height; y++) {
      for (let x = 0; x < map.width; x++) {
        if (map.isWalkable(x, y) && !rooms.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)) tiles.push({ x, y });
      }
    }
    const observerEvery = Math.max(1, Math.floor(users / Math.min(args.observers, users)));
    const people = cookies.map((cookie, i) => {
      const t = tiles[Math.floor(Math.random() * tiles.length)]!;
      return { cookie, observer: i % observerEvery === 0, x: t.x, y: t.y };
    });

    const shared = StepLog.allocate(users * 2 + 64);
    const epoch = performance.timeOrigin + performance.now();
    const workers: Worker[] = [];
    const progress: number[] = [];
    const results: Promise<WorkerResult>[] = [];
    const wCount = Math.max(1, Math.min(args.workers, users));
    for (let w = 0; w < wCount; w++) {
      const input: WorkerInput = {
        wsUrl: base.replace(/^http/, 'ws') + '/ws',
        officeId,
        users: people.filter((_, i) => i % wCount === w),
        tmj,
        view: args.view,
        rampPerSec: args.ramp / wCount,
        epoch,
        log: shared,
      };
      const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: input });
      workers.push(worker);
      progress[w] = 0;
      results.push(
        new Promise((resolve, reject) => {
          worker.on('message', (m: WorkerMessage) => {
            if (m.t === 'progress') progress[w] = m.connected;
            else resolve(m.result);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => code !== 0 && reject(new Error(`load worker exited with ${code}`)));
        }),
      );
    }
    const rampStart = Date.now();
    let connected = 0;
    while ((connected = progress.reduce((a, b) => a + b, 0)) < users && Date.now() - rampStart < (users / args.ramp) * 1000 + 120_000) {
      await sleep(1000);
      log(`ramp: ${progress.reduce((a, b) => a + b, 0)}/${users} connected`);
    }
    log(`${connected}/${users} connected in ${((Date.now() - rampStart) / 1000).toFixed(1)} s; warming up ${args.warmup} s`);
    await sleep(args.warmup * 1000);

    const metricsUrl = base + '/metrics';
    const m0: MetricsSample = await readMetrics(metricsUrl);
    const cpu0 = own ? cpuSeconds(own.child.pid!) : m0.cpuSeconds;
    const load0 = process.cpuUsage();
    const t0 = performance.now();
    for (const w of workers) w.postMessage({ t: 'measure' });
    for (let s = 0; s < args.duration; s += 5) {
      await sleep(Math.min(5, args.duration - s) * 1000);
      log(`measuring: ${Math.min(args.duration, s + 5)}/${args.duration} s`);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const m1 = await readMetrics(metricsUrl);
    const cpu1 = own ? cpuSeconds(own.child.pid!) : m1.cpuSeconds;
    const load1 = process.cpuUsage(load0);
    const rss = own ? rssBytes(own.child.pid!) : m1.rssBytes;
    for (const w of workers) w.postMessage({ t: 'stop' });
    const parts = await Promise.all(results);

    const lat = parts.flatMap((p) => Array.from(p.latencies)).sort((a, b) => a - b);
    const down = parts.flatMap((p) => p.downBps).sort((a, b) => a - b);
    const up = parts.flatMap((p) => p.upBps).sort((a, b) => a - b);
    const sent = parts.reduce((n, p) => n + p.sent, 0);
    const seen = parts.reduce((n, p) => n + p.seen, 0);
    const r1 = (n: number) => Math.round(n * 10) / 10;
    return {
      users,
      connected,
      mode: args.mode,
      map: `${template} ${map.width}x${map.height}`,
      durationS: r1(elapsed),
      latencyMs: { p50: r1(percentile(lat, 50)), p95: r1(percentile(lat, 95)), p99: r1(percentile(lat, 99)), max: r1(lat.at(-1) ?? NaN) },
      latencySamples: lat.length,
      deliveredRatio: sent > 0 ? Math.round((seen / sent) * 100000) / 100000 : NaN,
      serverCpuPct: r1(((cpu1 - cpu0) / elapsed) * 100),
      serverRssMb: r1(rss / 1048576),
      serverHeapUsedMb: r1(m1.heapUsedBytes / 1048576),
      downKBpsPerClient: Math.round(percentile(down, 50) / 10.24) / 100,
      downJsonKBpsPerClient: Math.round(percentile(parts.flatMap((p) => p.downTextBps).sort((a, b) => a - b), 50) / 10.24) / 100,
      upKBpsPerClient: Math.round(percentile(up, 50) / 10.24) / 100,
      tickMsP99: Math.round(histogramQuantile(m0.tick, m1.tick, 0.99) * 100000) / 100,
      eventLoopLagMsP99: r1(m1.eventLoopLagP99Seconds * 1000),
      loadgenCpuPct: r1(((load1.user + load1.system) / 1e6 / elapsed) * 100),
      stepsPerSecond: Math.round(parts.reduce((n, p) => n + p.stepsSent, 0) / elapsed),
      corrections: parts.reduce((n, p) => n + p.corrections, 0),
      reconnects: parts.reduce((n, p) => n + p.reconnects, 0),
      jsonBpsPerClientByType: (() => {
        const sum: Record<string, number> = {};
        for (const p of parts) for (const [t, n] of Object.entries(p.textBytesByType)) sum[t] = (sum[t] ?? 0) + n;
        return Object.fromEntries(Object.entries(sum).sort((a, b) => b[1] - a[1]).map(([t, n]) => [t, Math.round(n / elapsed / users)]));
      })(),
    };
  } finally {
    await own?.stop();
  }
}

/** Checks a result has every field, each a finite number where one is expected (the CI smoke checks only this). */
export function wellFormed(r: LoadResult): string[] {
  const problems: string[] = [];
  const num = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${name} is ${JSON.stringify(v)}`);
  };
  num('users', r.users);
  for (const k of ['p50', 'p95', 'p99', 'max'] as const) num(`latencyMs.${k}`, r.latencyMs?.[k]);
  for (const k of ['deliveredRatio', 'serverCpuPct', 'serverRssMb', 'downKBpsPerClient', 'upKBpsPerClient', 'tickMsP99', 'eventLoopLagMsP99', 'loadgenCpuPct'] as const) num(k, r[k]);
  if (r.connected !== r.users) problems.push(`only ${r.connected} of ${r.users} connected`);
  if (!(r.deliveredRatio >= 0 && r.deliveredRatio <= 1)) problems.push(`deliveredRatio ${r.deliveredRatio} is not a ratio`);
  return problems;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.sweep ?? [args.users];
  const runs: LoadResult[] = [];
  for (const n of sizes) {
    log(`--- ${n} users, ${args.duration} s, mode ${args.mode}`);
    const r = await runOnce(args, n);
    console.log(JSON.stringify(r, null, 2));
    runs.push(r);
  }
  mkdirSync(dirname(args.json), { recursive: true });
  const out = args.sweep ? { bench: 'load-sweep', date: new Date().toISOString(), mode: args.mode, runs } : { bench: 'load', date: new Date().toISOString(), ...runs[0]! };
  writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
  log(`wrote ${args.json}`);
  const chartPath = args.chart ?? (args.sweep ? args.json.replace(/\.json$/, '') + '.svg' : undefined);
  if (chartPath) {
    writeFileSync(chartPath, sweepChart(runs));
    log(`wrote ${chartPath}`);
  }
  if (args.smoke) {
    const problems = runs.flatMap(wellFormed);
    if (problems.length) {
      console.error('bench smoke failed: ' + problems.join('; '));
      process.exit(1);
    }
    log('bench smoke passed: the output is well formed');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
