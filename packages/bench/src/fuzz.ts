#!/usr/bin/env node
/**
 * WebSocket fuzzer: valid client frames, mutated with fast-check, sent to a real server over loopback by several
 * signed-in connections at once. It checks that the server never crashes, that every frame the protocol refuses is
 * answered with a typed `error` message or a close with a reason, and that everything the server sends is a valid
 * server message.
 *
 *   node packages/bench/dist/fuzz.js --frames 10000 [--seed 42] [--connections 16] [--url http://127.0.0.1:3000]
 *
 * Without --url it starts the built server itself on a free loopback port (fresh data folder) and also fails when
 * that process dies. Exit code 0 only with zero crashes, zero unanswered bad frames and zero invalid answers.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { ApiClient } from '@metaoffice/client';
import {
  BinaryKind, CloseCodes, ErrorCodes, MAX_CONTROL_BYTES, MAX_FRAME_BYTES, MAX_SIGNAL_BYTES, PROTOCOL_VERSION, REACTIONS, SESSION_COOKIE, decodeMove, encodeMove, parseClientControl,
  parseServerControl, type Direction,
} from '@metaoffice/protocol';
import { sleep, startLocalServer, watchServerFaults } from './local-server.js';

export interface FuzzOptions {
  url: string;
  frames: number;
  seed: number;
  connections?: number;
  /** Per connection; the server's budget is 20 control frames a second and each frame is followed by a ping. */
  framesPerSecond?: number;
  /** False once the server under test is known dead (a child process that exited). */
  alive?: () => boolean;
  progress?: (sent: number) => void;
  /** What the server under test logged at level error or above, or reported as uncaught (see watchServerFaults). */
  serverFaults?: () => string[];
}

export interface FuzzReport {
  seed: number;
  frames: number;
  /** Frames the protocol refuses (by the client-side oracle: the same parser the server uses). */
  bad: number;
  answeredWithError: number;
  answeredWithClose: number;
  /** Bad frames that got neither a typed error nor a close with a reason. */
  unanswered: string[];
  /** Frames after which the server went silent (no pong, no close) for 5 s. */
  hangs: string[];
  /** Server messages that failed the protocol's server schema, or error codes outside ErrorCodes. */
  invalidAnswers: string[];
  errors: Record<string, number>;
  closes: Record<string, number>;
  crashed: boolean;
  /** Server log lines at level error or fatal, uncaught exceptions and unhandled rejections: all must be absent. */
  serverFaults: string[];
  seconds: number;
  /**
   * A well-behaved person in the same office pinging ten times a second, before the fuzz (baseline) and during it:
   * what the attack costs everyone else. Round-trip times in ms; `lost` counts pings with no pong within 5 s.
   */
  bystander: { baseline: RttSummary; during: RttSummary; lost: number };
}

export interface RttSummary {
  samples: number;
  p50: number;
  p95: number;
  max: number;
}

function summarise(ms: number[]): RttSummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
  return { samples: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

const TYPED_CLOSES: ReadonlySet<number> = new Set(Object.values(CloseCodes));

type Frame = { text: string } | { bytes: Uint8Array; asText?: boolean };

const ID = fc.string({ minLength: 1, maxLength: 64 });
/** One valid frame of every kind the client may send after hello. */
function validFrames(officeId: string, otherUser: string) {
  return fc.oneof(
    fc.record({ t: fc.constant('viewport'), viewport: fc.record({ cols: fc.integer({ min: 1, max: 200 }), rows: fc.integer({ min: 1, max: 200 }) }) }),
    fc.record({ t: fc.constant('locate'), userId: fc.oneof(fc.constant(otherUser), ID) }),
    fc.record({ t: fc.constant('teleport'), userId: fc.oneof(fc.constant(otherUser), ID) }),
    fc.record({ t: fc.constant('spawn.set'), mode: fc.constantFrom('default', 'saved', 'here') }),
    fc.record({ t: fc.constant('status.set'), availability: fc.constantFrom('Available', 'Busy', 'DoNotDisturb', 'BeRightBack', 'Away') }),
    fc.record({ t: fc.constant('ping'), n: fc.nat() }),
    fc.record({ t: fc.constant('conversation.lock'), locked: fc.boolean() }),
    fc.record({ t: fc.constant('rtc.signal'), to: fc.oneof(fc.constant(otherUser), ID), signal: fc.oneof(
      fc.record({ kind: fc.constant('media'), audio: fc.boolean(), video: fc.boolean() }),
      fc.record({ kind: fc.constant('candidate'), candidate: fc.constant(null) }),
      fc.record({ kind: fc.constant('description'), description: fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.string({ maxLength: 200 }) }) }),
    ) }),
    fc.record({ t: fc.constant('chat.send'), text: fc.string({ minLength: 1, maxLength: 200 }) }),
    fc.record({ t: fc.constant('react'), emoji: fc.constantFrom(...REACTIONS) }),
    fc.record({ t: fc.constant('hello'), protocol: fc.constant(PROTOCOL_VERSION), officeId: fc.constant(officeId), viewport: fc.constant({ cols: 20, rows: 20 }) }),
  ).map((o) => o as Record<string, unknown>);
}

/** Mutations of a valid frame: structure, values, types, text and bytes. */
function frames(officeId: string, otherUser: string): fc.Arbitrary<Frame> {
  const valid = validFrames(officeId, otherUser);
  const json = (o: unknown): Frame => ({ text: JSON.stringify(o) });
  const mutateObject = fc.tuple(valid, fc.nat(), fc.jsonValue(), fc.string({ maxLength: 20 })).map(([o, i, v, key]) => {
    const keys = Object.keys(o);
    const k = keys[i % keys.length]!;
    const copy: Record<string, unknown> = { ...o };
    switch (i % 6) {
      case 0: delete copy[k]; break; // a required field missing
      case 1: copy[k] = v; break; // a field of the wrong type or range
      case 2: copy[key || 'extra'] = v; break; // an unknown field
      case 3: copy.t = key; break; // an unknown message type
      case 4: return json([copy]); // not an object
      default: copy[k] = typeof copy[k] === 'number' ? -1 - (i % 1000) : `${JSON.stringify(copy[k]) ?? ''}${'x'.repeat(i % 300)}`;
    }
    return json(copy);
  });
  const mutateText = fc.tuple(valid, fc.nat(), fc.string({ maxLength: 8 })).map(([o, i, s]): Frame => {
    const t = JSON.stringify(o);
    const at = i % (t.length + 1);
    switch (i % 4) {
      case 0: return { text: t.slice(0, at) }; // truncated
      case 1: return { text: t.slice(0, at) + s + t.slice(at) }; // garbage inserted
      case 2: return { text: t.slice(0, at) + t.slice(at + 1 + (i % 5)) }; // characters removed
      default: return { bytes: Buffer.concat([Buffer.from(t.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(t.slice(at))]), asText: true }; // invalid UTF-8
    }
  });
  const move = fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), x: fc.integer({ min: 0, max: 0xffff }), y: fc.integer({ min: 0, max: 0xffff }), dir: fc.constantFrom<Direction>('up', 'down', 'left', 'right'), moving: fc.boolean() });
  const mutateMove = fc.tuple(move, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, i, b]): Frame => {
    const bytes = encodeMove(m);
    switch (i % 5) {
      case 0: return { bytes }; // valid shape (legal or not, the engine decides)
      case 1: return { bytes: bytes.subarray(0, i % 9) }; // short
      case 2: return { bytes: Buffer.concat([bytes, Buffer.alloc(1 + (i % 40), b)]) }; // long
      case 3: { const c = Uint8Array.from(bytes); c[1 + (i % 8)] = b; return { bytes: c }; } // a field overwritten
      default: { const c = Uint8Array.from(bytes); c[0] = b; return { bytes: c }; } // another kind byte
    }
  });
  return fc.oneof(
    { weight: 2, arbitrary: valid.map(json) },
    { weight: 4, arbitrary: mutateObject },
    { weight: 3, arbitrary: mutateText },
    { weight: 3, arbitrary: mutateMove },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ bytes })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 64 }).map((text): Frame => ({ text })) },
    // Larger than the control limit, than the signalling limit, than the socket's frame limit.
    { weight: 1, arbitrary: fc.constantFrom(MAX_CONTROL_BYTES + 10, MAX_SIGNAL_BYTES + 10, MAX_FRAME_BYTES * 2, MAX_FRAME_BYTES * 8).map((n): Frame => ({ text: JSON.stringify({ t: 'chat.send', text: 'y'.repeat(n) }) })) },
  );
}

/** Would the server refuse this frame? The client-side oracle, built on the protocol package's own checks. */
function isBad(f: Frame): boolean {
  if ('bytes' in f && !f.asText) {
    if (f.bytes[0] !== BinaryKind.MOVE) return true;
    try {
      decodeMove(f.bytes);
      return false;
    } catch {
      return true;
    }
  }
  const text = 'text' in f ? f.text : Buffer.from(f.bytes).toString('utf8');
  if ('bytes' in f) return true; // invalid UTF-8
  const size = Buffer.byteLength(text);
  if (size > MAX_SIGNAL_BYTES) return true;
  const parsed = parseClientControl(text);
  if (!parsed.ok) return true;
  if (parsed.value.t === 'hello') return true; // already said hello
  if (parsed.value.t === 'chat.send' && !parsed.value.text.trim()) return true;
  return parsed.value.t !== 'rtc.signal' && size > MAX_CONTROL_BYTES;
}

function frameBytes(f: Frame): number {
  return 'text' in f ? Buffer.byteLength(f.text) : f.bytes.byteLength;
}

function describe(f: Frame): string {
  const s = 'text' in f ? f.text : `bytes[${Buffer.from(f.bytes).toString('hex')}]${f.asText ? ' as text' : ''}`;
  return s.length > 160 ? `${s.slice(0, 160)}… (${s.length} chars)` : s;
}

class Link {
  private ws: WebSocket | undefined;
  private inbox: { text?: string; binary?: boolean }[] = [];
  closed: { code: number; reason: string } | undefined;
  private ready = false;

  constructor(
    private readonly url: string,
    private readonly cookie: string,
    private readonly officeId: string,
    private readonly report: FuzzReport,
  ) {}

  async open(): Promise<void> {
    this.inbox = [];
    this.closed = undefined;
    this.ready = false;
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/ws', { headers: { cookie: this.cookie } });
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) return void this.inbox.push({ binary: true });
      const text = buf.toString('utf8');
      const msg = parseServerControl(text);
      if (!msg) this.report.invalidAnswers.push(text.slice(0, 200));
      else if (msg.t === 'error' && !(ErrorCodes as readonly string[]).includes(msg.code)) this.report.invalidAnswers.push(text.slice(0, 200));
      this.inbox.push({ text });
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString('utf8') }));
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('could not connect')));
    });
    ws.send(JSON.stringify({ t: 'hello', protocol: PROTOCOL_VERSION, officeId: this.officeId, viewport: { cols: 30, rows: 20 } }));
    await this.until(() => this.inbox.some((m) => m.text?.startsWith('{"t":"welcome"')), 5000);
    this.ready = true;
  }

  get usable(): boolean {
    return this.ready && !this.closed && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends one frame and a ping behind it; returns what came back before the pong (or the close). */
  async exchange(f: Frame, n: number): Promise<{ texts: string[]; closed?: { code: number; reason: string }; hung: boolean }> {
    const ws = this.ws!;
    this.inbox = [];
    if ('text' in f) ws.send(f.text);
    else ws.send(f.bytes, { binary: !f.asText });
    ws.send(JSON.stringify({ t: 'ping', n }));
    const pong = `{"t":"pong","n":${n},`;
    const ok = await this.until(() => !!this.closed || this.inbox.some((m) => m.text?.startsWith(pong)), 5000).then(() => true, () => false);
    const until = this.inbox.findIndex((m) => m.text?.startsWith(pong));
    const texts = (until < 0 ? this.inbox : this.inbox.slice(0, until)).flatMap((m) => (m.text ? [m.text] : []));
    return { texts, closed: this.closed, hung: !ok };
  }

  /** One ping's round trip in ms, or undefined when no pong came within 5 s. */
  async rtt(n: number): Promise<number | undefined> {
    const ws = this.ws!;
    this.inbox = [];
    const sent = performance.now();
    ws.send(JSON.stringify({ t: 'ping', n }));
    const pong = `{"t":"pong","n":${n},`;
    const ok = await this.until(() => !!this.closed || this.inbox.some((m) => m.text?.startsWith(pong)), 5000).then(() => !this.closed, () => false);
    return ok ? performance.now() - sent : undefined;
  }

  close(): void {
    this.ws?.terminate();
  }

  private async until(cond: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('timeout');
      await sleep(2);
    }
  }
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const report: FuzzReport = {
    seed: o.seed, frames: 0, bad: 0, answeredWithError: 0, answeredWithClose: 0, unanswered: [], hangs: [], invalidAnswers: [], errors: {}, closes: {}, crashed: false, serverFaults: [], seconds: 0,
    bystander: { baseline: summarise([]), during: summarise([]), lost: 0 },
  };
  const connections = Math.max(1, o.connections ?? 16);
  const perSecond = o.framesPerSecond ?? 8;
  // One account per connection: a second connection of the same person would replace the first.
  const admin = new ApiClient({ baseUrl: o.url, cookieJar: true });
  await admin.signUp({ email: `fuzz-${o.seed}-${Date.now()}@example.test`, password: 'fuzzing-passphrase', name: 'Fuzz 0' });
  const invite = await admin.createInvite();
  const office = (await admin.listOffices())[0]!;
  const accounts = [admin];
  for (let i = 1; i < connections; i++) {
    const api = new ApiClient({ baseUrl: o.url, cookieJar: true });
    await api.signUp({ email: `fuzz-${o.seed}-${Date.now()}-${i}@example.test`, password: 'fuzzing-passphrase', name: `Fuzz ${i}`, inviteToken: invite.token });
    accounts.push(api);
  }
  const other = (await admin.me()).user.id;
  // The bystander: an ordinary person in the same office who only pings, first alone, then while the others fuzz.
  const bystanderApi = new ApiClient({ baseUrl: o.url, cookieJar: true });
  await bystanderApi.signUp({ email: `fuzz-${o.seed}-${Date.now()}-bystander@example.test`, password: 'fuzzing-passphrase', name: 'Bystander', inviteToken: invite.token });
  const bystander = new Link(o.url, `${SESSION_COOKIE}=${/mo_session=([^;]+)/.exec(bystanderApi.cookieHeader()!)![1]}`, office.id, report);
  await bystander.open();
  let pingNo = 1_000_000_000;
  const sampleRtts = async (into: number[], keepGoing: () => boolean) => {
    while (keepGoing() && bystander.usable) {
      const t = await bystander.rtt(pingNo++);
      if (t === undefined) report.bystander.lost++;
      else into.push(t);
      await sleep(100);
    }
  };
  const baseline: number[] = [];
  const baselineUntil = Date.now() + 3000;
  await sampleRtts(baseline, () => Date.now() < baselineUntil);
  const during: number[] = [];
  let fuzzing = true;
  const duringDone = sampleRtts(during, () => fuzzing);
  // Frames are drawn in chunks (seed + chunk number), so a run of a million does not hold a million frames at once.
  const CHUNK = 10_000;
  const arb = frames(office.id, other);
  let chunk: Frame[] = [];
  let chunkNo = -1;
  const frameAt = (i: number): Frame => {
    const c = Math.floor(i / CHUNK);
    if (c !== chunkNo) {
      chunkNo = c;
      chunk = fc.sample(arb, { numRuns: Math.min(CHUNK, o.frames - c * CHUNK), seed: o.seed + c });
    }
    return chunk[i - c * CHUNK]!;
  };
  let next = 0;
  let ping = 1;

  await Promise.all(
    accounts.map(async (api) => {
      const link = new Link(o.url, `${SESSION_COOKIE}=${/mo_session=([^;]+)/.exec(api.cookieHeader()!)![1]}`, office.id, report);
      while (next < o.frames && !report.crashed) {
        if (o.alive && !o.alive()) {
          report.crashed = true;
          break;
        }
        if (!link.usable) {
          link.close();
          try {
            await link.open();
          } catch {
            // The server refuses new connections only when it is down.
            report.crashed = o.alive ? !o.alive() : !(await fetch(o.url + '/healthz').then((r) => r.ok, () => false));
            if (report.crashed) break;
            continue;
          }
        }
        // Another connection may have taken the last frame while this one was reconnecting.
        if (next >= o.frames) break;
        const f = frameAt(next++);
        const tick = Date.now();
        const bad = isBad(f);
        const r = await link.exchange(f, ping++);
        report.frames++;
        for (const t of r.texts) {
          const m = /^\{"t":"error","code":"([A-Z_]+)"/.exec(t);
          if (m) report.errors[m[1]!] = (report.errors[m[1]!] ?? 0) + 1;
        }
        if (r.closed) report.closes[`${r.closed.code} ${r.closed.reason}`] = (report.closes[`${r.closed.code} ${r.closed.reason}`] ?? 0) + 1;
        if (r.hung) report.hangs.push(describe(f));
        if (bad) {
          report.bad++;
          if (r.texts.some((t) => t.startsWith('{"t":"error"'))) report.answeredWithError++;
          // A close answers when it says why: a reason, or one of the protocol's close codes (1009: too big to read).
          // Beyond the socket's frame limit the server stops reading and closes with 1009; the client may see only
          // the TCP teardown (1006) while it is still writing the rest of its frame.
          else if (r.closed && (r.closed.reason || TYPED_CLOSES.has(r.closed.code))) report.answeredWithClose++;
          else report.unanswered.push(describe(f));
        }
        o.progress?.(report.frames);
        const wait = 1000 / perSecond - (Date.now() - tick);
        if (wait > 0) await sleep(wait);
      }
      link.close();
    }),
  );
  fuzzing = false;
  await duringDone;
  bystander.close();
  report.bystander.baseline = summarise(baseline);
  report.bystander.during = summarise(during);
  if (!report.crashed) report.crashed = o.alive ? !o.alive() : !(await fetch(o.url + '/healthz').then((r) => r.ok, () => false));
  report.serverFaults = [...(o.serverFaults?.() ?? [])];
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/**
 * "Beyond noise": the bystander's median round trip during the fuzz may grow by at most 3x its baseline plus 5 ms
 * (loopback round trips are a millisecond or two, so a busy shared machine alone moves them by a few ms).
 */
export const BYSTANDER_ALLOWANCE = { factor: 3, plusMs: 5 };

export function verdict(r: FuzzReport): string[] {
  const problems: string[] = [];
  if (r.crashed) problems.push('the server crashed or stopped answering');
  if (r.serverFaults.length) problems.push(`the server logged ${r.serverFaults.length} errors, uncaught exceptions or unhandled rejections, e.g. ${r.serverFaults.slice(0, 3).join(' | ')}`);
  if (r.unanswered.length) problems.push(`${r.unanswered.length} bad frames got no typed error and no close with a reason, e.g. ${r.unanswered.slice(0, 3).join(' | ')}`);
  if (r.hangs.length) problems.push(`${r.hangs.length} frames left the connection silent, e.g. ${r.hangs.slice(0, 3).join(' | ')}`);
  const b = r.bystander;
  if (b.lost > 0) problems.push(`${b.lost} of the bystander's pings got no answer within 5 s`);
  if (b.during.samples > 0 && b.during.p50 > b.baseline.p50 * BYSTANDER_ALLOWANCE.factor + BYSTANDER_ALLOWANCE.plusMs) {
    problems.push(`the bystander's median round trip went from ${b.baseline.p50.toFixed(1)} ms to ${b.during.p50.toFixed(1)} ms during the fuzz`);
  }
  if (r.invalidAnswers.length) problems.push(`${r.invalidAnswers.length} server messages broke the protocol schema, e.g. ${r.invalidAnswers.slice(0, 3).join(' | ')}`);
  return problems;
}

async function main(argv: string[]): Promise<number> {
  const args = { frames: 2000, seed: Date.now() % 2 ** 31, connections: 16, url: undefined as string | undefined, out: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (k === '--frames') args.frames = Number(v);
    else if (k === '--seed') args.seed = Number(v);
    else if (k === '--connections') args.connections = Number(v);
    else if (k === '--url') args.url = v;
    else if (k === '--out') args.out = v;
    else {
      console.error(`unknown argument ${k}\nusage: npm run fuzz -- --frames N [--seed S] [--connections C] [--url URL] [--out report.json]`);
      return 2;
    }
  }
  if (!Number.isInteger(args.frames) || args.frames <= 0 || !Number.isInteger(args.seed)) {
    console.error('--frames must be a positive whole number and --seed a whole number');
    return 2;
  }
  const watch = watchServerFaults();
  const local = args.url ? undefined : await startLocalServer({}, [], watch.onOutput);
  const url = args.url ?? local!.url;
  console.log(`fuzzing ${url} with ${args.frames} frames over ${args.connections} connections (seed ${args.seed})`);
  let report: FuzzReport;
  // The server it started must not outlive the fuzzer, whatever happens.
  const stopLocal = () => local?.child.exitCode === null && local.child.kill('SIGTERM');
  process.once('exit', stopLocal);
  try {
    report = await runFuzz({
      url,
      frames: args.frames,
      seed: args.seed,
      connections: args.connections,
      alive: local ? () => local.child.exitCode === null && local.child.signalCode === null : undefined,
      serverFaults: local ? () => watch.faults : undefined,
      progress: (n) => {
        if (n % 1000 === 0) console.log(`  ${n} frames`);
      },
    });
  } finally {
    await local?.stop();
  }
  const problems = verdict(report);
  const summary = { ...report, serverFaults: report.serverFaults.slice(0, 20), unanswered: report.unanswered.slice(0, 20), hangs: report.hangs.slice(0, 20), invalidAnswers: report.invalidAnswers.slice(0, 20) };
  if (args.out) (await import('node:fs')).writeFileSync(args.out, JSON.stringify(summary, null, 2));
  console.log(`${report.frames} frames in ${report.seconds.toFixed(1)} s: ${report.bad} bad, ${report.answeredWithError} answered with a typed error, ${report.answeredWithClose} with a close; crashed: ${report.crashed}; server errors, uncaught exceptions and unhandled rejections: ${local ? report.serverFaults.length : 'not watched (--url)'}`);
  console.log(`errors: ${JSON.stringify(report.errors)}\ncloses: ${JSON.stringify(report.closes)}`);
  const b = report.bystander;
  console.log(`bystander round trip: median ${b.baseline.p50.toFixed(1)} ms before (${b.baseline.samples} pings, p95 ${b.baseline.p95.toFixed(1)}), ${b.during.p50.toFixed(1)} ms during the fuzz (${b.during.samples} pings, p95 ${b.during.p95.toFixed(1)}, max ${b.during.max.toFixed(1)}); ${b.lost} lost`);
  for (const p of problems) console.error(`FAIL: ${p}`);
  if (problems.length) console.error(`reproduce with --seed ${report.seed} --frames ${args.frames} --connections ${args.connections}`);
  return problems.length ? 1 : 0;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  process.exit(await main(process.argv.slice(2)));
}
