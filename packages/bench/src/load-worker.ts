/**
 * One load-generator thread: a share of the simulated people, each a real `OfficeConnection` over the real protocol,
 * random-walking at 4 steps/s with pauses. Observers among them also time how long other people's steps take to
 * reach their world mirror and count which steps arrive, using the step log the threads share.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OfficeConnection, type SocketFactory } from '@metaoffice/client';
import { nodeSocketFactory } from '@metaoffice/client/node';
import type { AvatarInfo, AvatarMove, Direction } from '@metaoffice/protocol';
import { OfficeMap } from '@metaoffice/world';
import { StepLog, wsFrameOverhead } from './step-log.js';

export interface WorkerInput {
  wsUrl: string;
  officeId: string;
  users: { cookie: string; observer: boolean; x: number; y: number }[];
  tmj: unknown;
  view: { cols: number; rows: number };
  /** Connections opened per second by this thread while ramping up. */
  rampPerSec: number;
  epoch: number;
  log: { entries: SharedArrayBuffer; counts: SharedArrayBuffer };
}

export type WorkerMessage =
  | { t: 'progress'; connected: number; failed: number }
  | { t: 'result'; result: WorkerResult };

export interface WorkerResult {
  /** Bytes per second each person received and sent during the measured window (payload plus frame headers). */
  downBps: number[];
  downTextBps: number[];
  upBps: number[];
  /** Step → observer's mirror, in ms, for every matched step during the window. */
  latencies: Float64Array;
  /** In-view steps of avatars the observers kept in view, sent and seen (a later position counts for the earlier). */
  sent: number;
  seen: number;
  stepsSent: number;
  corrections: number;
  reconnects: number;
  closedAtEnd: number;
  /** JSON bytes received during the window by all of this thread's people, by message type. */
  textBytesByType: Record<string, number>;
}

const DIRS: [Direction, number, number][] = [['up', 0, -1], ['down', 0, 1], ['left', -1, 0], ['right', 1, 0]];
const STEP_MS = 250;
/** How often the scheduler looks for due steps. */
const TICK_MS = 20;

interface Person {
  conn: OfficeConnection;
  x: number;
  y: number;
  dir: Direction;
  avatarId: number;
  nextAt: number;
  stepsLeft: number;
  down: number;
  /** Of `down`, the JSON control frames (enters, leaves, presence, conversations). */
  downText: number;
  up: number;
  observer: boolean;
  /** Observer only: per avatar in view, the step counter when it came into view (or the window opened) and the latest seen. */
  watch: Map<number, { kStart: number; kMax: number }>;
  opened: boolean;
  reconnects: number;
}

const input = workerData as WorkerInput;
const map = OfficeMap.fromTiled(input.tmj);
const log = new StepLog(input.log.entries, input.log.counts);
const now = () => performance.timeOrigin + performance.now() - input.epoch;
let measuring = false;
let measureStart = 0;
const latencies: number[] = [];
let stepsSent = 0;
let corrections = 0;
const people: Person[] = [];
const textByType = new Map<string, number>();

function countingFactory(cookie: string, p: () => Person): SocketFactory {
  const base = nodeSocketFactory(() => cookie);
  return (url) => {
    const s = base(url);
    // Text frames are tallied by message type, so a run says what its JSON bytes are.
    const own = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(s), 'onmessage');
    Object.defineProperty(s, 'onmessage', {
      configurable: true,
      get: () => own?.get?.call(s),
      set: (h: ((ev: { data: unknown }) => void) | null) => {
        own?.set?.call(s, h && ((ev: { data: unknown }) => {
          if (measuring && typeof ev.data === 'string') {
            const t = /"t":"([a-z.]+)"/.exec(ev.data)?.[1] ?? '?';
            textByType.set(t, (textByType.get(t) ?? 0) + ev.data.length);
          }
          h(ev);
        }));
      },
    });
    const send = s.send.bind(s);
    s.send = (data) => {
      const n = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      p().up += n + wsFrameOverhead(n, true);
      send(data);
    };
    return s;
  };
}

function observe(person: Person): void {
  const c = person.conn;
  c.on('enter', (a: AvatarInfo) => {
    const k = log.match(a.avatarId, a.x, a.y)?.k ?? log.count(a.avatarId);
    person.watch.set(a.avatarId, { kStart: k, kMax: k });
  });
  c.on('leave', (id: number) => person.watch.delete(id));
  c.on('move', (m: AvatarMove) => {
    const hit = log.match(m.avatarId, m.x, m.y);
    if (!hit) return;
    const w = person.watch.get(m.avatarId);
    if (w && hit.k > w.kMax) w.kMax = hit.k;
    if (measuring && hit.t >= measureStart) latencies.push(now() - hit.t);
  });
}

function connect(u: WorkerInput['users'][number]): Person {
  let person!: Person;
  const conn = new OfficeConnection({
    url: input.wsUrl,
    officeId: input.officeId,
    viewport: input.view,
    startAt: { x: u.x, y: u.y },
    socketFactory: countingFactory(u.cookie, () => person),
    // Ten thousand heartbeats need not be frequent: the server's traffic proves the link is alive.
    heartbeatMs: 60_000,
  });
  person = { conn, x: u.x, y: u.y, dir: 'down', avatarId: 0, nextAt: 0, stepsLeft: 0, down: 0, downText: 0, up: 0, observer: u.observer, watch: new Map(), opened: false, reconnects: 0 };
  conn.on('bytes', (n: number, kind: 'text' | 'binary') => {
    person.down += n + wsFrameOverhead(n, false);
    if (kind === 'text') person.downText += n + wsFrameOverhead(n, false);
  });
  conn.on('welcome', (w) => {
    if (person.opened) person.reconnects++;
    person.opened = true;
    person.avatarId = w.self.avatarId;
    person.x = w.self.x;
    person.y = w.self.y;
    person.nextAt = now() + Math.random() * 2000;
  });
  conn.on('correction', (c) => {
    corrections++;
    person.x = c.x;
    person.y = c.y;
    person.stepsLeft = 0;
  });
  if (u.observer) observe(person);
  conn.connect();
  return person;
}

/** A person's next move: keep going the same way mostly, turn at walls, stop now and then for a while. */
function walk(p: Person, t: number): void {
  if (p.conn.state !== 'open' || t < p.nextAt) return;
  if (p.stepsLeft <= 0) {
    p.stepsLeft = 3 + Math.floor(Math.random() * 10);
    p.dir = DIRS[Math.floor(Math.random() * 4)]![0];
  }
  const options = DIRS.filter(([, dx, dy]) => map.isWalkable(p.x + dx, p.y + dy));
  if (options.length === 0) return;
  const keep = options.find(([d]) => d === p.dir);
  const [dir, dx, dy] = keep && Math.random() < 0.85 ? keep : options[Math.floor(Math.random() * options.length)]!;
  p.x += dx;
  p.y += dy;
  p.dir = dir;
  p.stepsLeft--;
  const moving = p.stepsLeft > 0;
  log.record(p.avatarId, p.x, p.y, t);
  p.conn.step(p.x, p.y, dir, moving);
  stepsSent++;
  // 4 steps/s while walking; a pause of 0.5–3 s after stopping.
  // A late scheduler (an overloaded machine) must not catch up with a burst the server would refuse as too fast.
  p.nextAt = moving ? Math.max(p.nextAt + STEP_MS, t + STEP_MS - TICK_MS) : t + 500 + Math.random() * 2500;
}

async function main(): Promise<void> {
  // Ramp up: open connections at the given rate and wait for their welcomes.
  const batch = Math.max(1, Math.round(input.rampPerSec / 10));
  for (let i = 0; i < input.users.length; i += batch) {
    for (const u of input.users.slice(i, i + batch)) people.push(connect(u));
    await new Promise((r) => setTimeout(r, 100));
    if ((i / batch) % 10 === 0) parentPort!.postMessage({ t: 'progress', connected: people.filter((p) => p.opened).length, failed: 0 } satisfies WorkerMessage);
  }
  for (let waited = 0; people.some((p) => !p.opened) && waited < 120_000; waited += 200) {
    await new Promise((r) => setTimeout(r, 200));
    if (waited % 1000 === 0) parentPort!.postMessage({ t: 'progress', connected: people.filter((p) => p.opened).length, failed: 0 } satisfies WorkerMessage);
  }
  parentPort!.postMessage({ t: 'progress', connected: people.filter((p) => p.opened).length, failed: people.filter((p) => !p.opened).length } satisfies WorkerMessage);

  // One scheduler for all walkers of this thread, every 20 ms.
  const timer = setInterval(() => {
    const t = now();
    for (const p of people) walk(p, t);
  }, TICK_MS);

  parentPort!.on('message', (msg: { t: 'measure' } | { t: 'stop' }) => {
    if (msg.t === 'measure') {
      measuring = true;
      measureStart = now();
      stepsSent = 0;
      corrections = 0;
      for (const p of people) {
        p.down = 0;
        p.downText = 0;
        p.up = 0;
        p.reconnects = 0;
        for (const w of p.watch.values()) w.kStart = w.kMax;
      }
      return;
    }
    clearInterval(timer);
    const end = now();
    const seconds = (end - measureStart) / 1000;
    // Steps sent in the last second may still be on their way; they are not counted either way.
    const cut = end - 1000;
    let sent = 0;
    let seen = 0;
    for (const p of people) {
      if (!p.observer) continue;
      for (const [id, w] of p.watch) {
        const kCut = log.countAt(id, cut);
        if (kCut <= w.kStart) continue;
        sent += kCut - w.kStart;
        seen += Math.min(w.kMax, kCut) - w.kStart;
      }
    }
    const result: WorkerResult = {
      downBps: people.map((p) => p.down / seconds),
      downTextBps: people.map((p) => p.downText / seconds),
      upBps: people.map((p) => p.up / seconds),
      latencies: Float64Array.from(latencies),
      sent,
      seen,
      stepsSent,
      corrections,
      reconnects: people.reduce((n, p) => n + p.reconnects, 0),
      closedAtEnd: people.filter((p) => p.conn.state !== 'open').length,
      textBytesByType: Object.fromEntries(textByType),
    };
    for (const p of people) p.conn.close();
    parentPort!.postMessage({ t: 'result', result } satisfies WorkerMessage, [result.latencies.buffer as ArrayBuffer]);
    setTimeout(() => process.exit(0), 200);
  });
}

void main();
