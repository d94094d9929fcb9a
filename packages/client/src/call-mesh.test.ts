import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationState, RtcSignal } from '@metaoffice/protocol';
import { CallMesh, type CallMeshOptions } from './call-mesh.js';
import { Emitter } from './emitter.js';
import type { OfficeConnection } from './connection.js';

/*
 * A fake WebRTC stack, just enough of RTCPeerConnection for the negotiation logic: descriptions carry the connection's
 * id (its DTLS fingerprint) and ICE ufrag; a pair is connected when each side's remote description is the other's
 * current local one, both stable, and at least one candidate of the current ICE credentials reached either side.
 * Transceivers, implicit rollback, ICE restarts and the spec's negotiationneeded rules are modelled; media is not.
 */

let pcSeq = 0;
const byUfrag = new Map<string, FakePc>();

interface Desc {
  type: RTCSdpType;
  sdp: string;
}

function parse(sdp: string): { id: string; ufrag: string; kinds: string[] } {
  const get = (k: string) => new RegExp(`^a=${k}:(\\S+)`, 'm').exec(sdp)?.[1] ?? '';
  return { id: get('fingerprint'), ufrag: get('ice-ufrag'), kinds: [...sdp.matchAll(/^m=(\w+)/gm)].map((m) => m[1]!) };
}

class FakeTransceiver {
  mid: string | null = null;
  sender: { track: { kind: string } | null; replaceTrack: (t: unknown) => Promise<void> };
  receiver: { track: { kind: string } };
  constructor(
    readonly kind: string,
    public direction: string,
  ) {
    this.sender = { track: null, replaceTrack: async () => undefined };
    this.receiver = { track: { kind } };
  }
}

class FakePc {
  static blocked = false;
  /** How long each description or candidate operation takes. */
  static opDelay = 1;
  readonly id = `pc${++pcSeq}`;
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: Desc | null = null;
  remoteDescription: Desc | null = null;
  private stableLocal: Desc | null = null;
  private stableRemote: Desc | null = null;
  private ufrag = `u${pcSeq}x0`;
  private ufragGen = 0;
  private sdpVersion = 0;
  private gathered = new Set<string>();
  private restartWanted = false;
  private dirty = false;
  private flagFired = false;
  readonly candidatesFrom = new Set<string>();
  readonly transceivers: FakeTransceiver[] = [];
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((e: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
  ontrack: ((e: unknown) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;

  constructor() {
    byUfrag.set(this.ufrag, this);
  }

  getTransceivers() {
    return this.transceivers;
  }
  getSenders() {
    return this.transceivers.map((t) => t.sender);
  }
  addTransceiver(kind: string, init?: { direction?: string }) {
    const t = new FakeTransceiver(kind, init?.direction ?? 'sendrecv');
    this.transceivers.push(t);
    this.changed();
    return t;
  }
  addTrack(track: { kind: string }) {
    let t = this.transceivers.find((x) => x.kind === track.kind && !x.sender.track);
    if (!t) this.transceivers.push((t = new FakeTransceiver(track.kind, 'sendrecv')));
    t.sender.track = track;
    this.changed();
    return t.sender;
  }
  restartIce() {
    this.restartWanted = true;
    this.changed();
  }

  async setLocalDescription(): Promise<void> {
    if (this.signalingState === 'closed') throw new Error('closed');
    await op(this);
    if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') {
      if (this.restartWanted) {
        this.restartWanted = false;
        this.ufrag = `${this.id}x${++this.ufragGen}`;
        byUfrag.set(this.ufrag, this);
      }
      this.transceivers.forEach((t, i) => (t.mid ??= String(i)));
      this.localDescription = { type: 'offer', sdp: this.sdp() };
      this.signalingState = 'have-local-offer';
      this.dirty = false;
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: this.sdp() };
      this.becomeStable();
    } else throw new Error(`setLocalDescription in ${this.signalingState}`);
    this.gather();
  }

  async setRemoteDescription(d: Desc): Promise<void> {
    if (this.signalingState === 'closed') throw new Error('closed');
    await op(this);
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        // Implicit rollback.
        this.localDescription = this.stableLocal;
        this.remoteDescription = this.stableRemote;
      } else if (this.signalingState !== 'stable') throw new Error(`offer in ${this.signalingState}`);
      const { kinds } = parse(d.sdp);
      kinds.forEach((kind, i) => {
        const t = this.transceivers.find((x) => x.mid === String(i)) ?? this.transceivers.find((x) => x.mid === null && x.kind === kind);
        if (t) t.mid = String(i);
        else {
          const n = new FakeTransceiver(kind, 'recvonly');
          n.mid = String(i);
          this.transceivers.push(n);
        }
      });
      this.remoteDescription = d;
      this.signalingState = 'have-remote-offer';
    } else if (d.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw Object.assign(new Error('answer in stable'), { name: 'InvalidStateError' });
      this.remoteDescription = d;
      this.becomeStable();
    }
    this.evaluate();
  }

  async addIceCandidate(c?: RTCIceCandidateInit): Promise<void> {
    await op(this);
    if (!c) return;
    if (!this.remoteDescription) throw Object.assign(new Error('no remote description'), { name: 'InvalidStateError' });
    if (c.usernameFragment !== parse(this.remoteDescription.sdp).ufrag) throw Object.assign(new Error('unknown ufrag'), { name: 'OperationError' });
    this.candidatesFrom.add(c.usernameFragment!);
    this.evaluate();
  }

  close() {
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }

  /** Breaks the path (a network change): both sides go `failed` until an ICE restart. */
  fail() {
    this.setState('failed');
  }

  private sdp(): string {
    // The session version goes up with every description, as in a browser: a new answer never repeats an old one.
    return [`o=- ${this.id} ${++this.sdpVersion}`, `a=fingerprint:${this.id}`, `a=ice-ufrag:${this.ufrag}`, ...this.transceivers.filter((t) => t.mid !== null).map((t) => `m=${t.kind}`)].join('\r\n');
  }

  private becomeStable() {
    this.signalingState = 'stable';
    this.stableLocal = this.localDescription;
    this.stableRemote = this.remoteDescription;
    if (this.transceivers.every((t) => t.mid !== null) && !this.restartWanted) this.dirty = false;
    if (this.dirty) this.fireNegotiationNeeded();
    else this.flagFired = false;
  }

  private changed() {
    this.dirty = true;
    if (this.signalingState !== 'stable' || this.flagFired) return;
    this.fireNegotiationNeeded();
  }

  private fireNegotiationNeeded() {
    this.flagFired = true;
    setTimeout(() => {
      if (this.dirty && this.signalingState === 'stable') this.onnegotiationneeded?.();
    }, 0);
  }

  private gather() {
    if (this.gathered.has(this.ufrag)) return;
    this.gathered.add(this.ufrag);
    const ufrag = this.ufrag;
    setTimeout(() => {
      if (this.signalingState === 'closed') return;
      this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: `candidate:${ufrag} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag }) } });
      this.onicecandidate?.({ candidate: null });
    }, 5);
  }

  private setState(s: RTCPeerConnectionState) {
    if (this.connectionState === s || this.connectionState === 'closed') return;
    this.connectionState = s;
    this.onconnectionstatechange?.();
  }

  /** Connected when the two sides agree on each other's current transport and a candidate made it across. */
  evaluate() {
    if (this.signalingState !== 'stable' || !this.localDescription || !this.remoteDescription) return;
    const remote = parse(this.remoteDescription.sdp);
    const other = byUfrag.get(remote.ufrag);
    if (!other || other.id !== remote.id || other.signalingState !== 'stable' || !other.remoteDescription || !other.localDescription) return;
    const mine = parse(this.localDescription.sdp);
    const theirs = parse(other.remoteDescription.sdp);
    if (parse(other.localDescription.sdp).ufrag !== remote.ufrag || theirs.id !== this.id || theirs.ufrag !== mine.ufrag) return;
    if (!this.candidatesFrom.has(remote.ufrag) && !other.candidatesFrom.has(mine.ufrag)) return;
    if (FakePc.blocked) return;
    this.setState('connected');
    other.setState('connected');
  }
}

/** Lets an operation take its time; like Chrome, an operation on a connection closed meanwhile never settles. */
async function op(pc: { signalingState: string }): Promise<void> {
  await new Promise<void>((r) => setTimeout(r, FakePc.opDelay));
  if (pc.signalingState === 'closed') await new Promise(() => undefined);
}

// ---- a fake office: conversations and the signalling relay ----------------------------------------------------------

class FakeConn extends Emitter<{
  conversation: (c: ConversationState | null) => void;
  signal: (from: string, s: RtcSignal) => void;
  error: (e: { code: string; message: string; ref?: string }) => void;
}> {
  conversation: ConversationState | null = null;
  readonly iceServers = [];
  constructor(
    readonly userId: string,
    private readonly office: FakeOffice,
  ) {
    super();
  }
  signal(to: string, s: RtcSignal): void {
    this.office.uplink(this.userId, to, structuredClone(s));
  }
  fire<K extends 'conversation' | 'signal' | 'error'>(event: K, ...args: Parameters<FakeConnEvents[K]>): void {
    if (event === 'conversation') this.conversation = args[0] as ConversationState | null;
    this.emit(event, ...args);
  }
}
type FakeConnEvents = {
  conversation: (c: ConversationState | null) => void;
  signal: (from: string, s: RtcSignal) => void;
  error: (e: { code: string; message: string; ref?: string }) => void;
};

class FakeOffice {
  readonly conns = new Map<string, FakeConn>();
  readonly meshes = new Map<string, CallMesh>();
  /** Who is with whom, as the server sees it now. */
  private members: string[] = [];
  /** One-way latency of the WebSocket (client to server, server to client), per user. */
  latency = new Map<string, number>();
  /** Return true to lose a signal on its way (it is refused as NOT_IN_CONVERSATION). */
  refuse: (from: string, to: string, s: RtcSignal) => boolean = () => false;
  refused = 0;
  /** Return true to lose a signal without a word (a dropped frame, a server that restarted). */
  lose: (from: string, to: string, s: RtcSignal) => boolean = () => false;
  relayed: { from: string; to: string; s: RtcSignal }[] = [];

  constructor(private readonly options: CallMeshOptions = {}) {}

  add(userId: string): CallMesh {
    const conn = new FakeConn(userId, this);
    this.conns.set(userId, conn);
    const mesh = new CallMesh(conn as unknown as OfficeConnection, () => userId, {
      createPeerConnection: () => new FakePc() as unknown as RTCPeerConnection,
      log: () => undefined,
      ...this.options,
    });
    this.meshes.set(userId, mesh);
    return mesh;
  }

  private lat(userId: string): number {
    return this.latency.get(userId) ?? 20;
  }

  /** The server changes the conversation; each member hears of it after their own latency. */
  setMembers(members: string[]): void {
    const before = this.members;
    this.members = members;
    const state: ConversationState | null = members.length >= 2 ? { id: 'room:r', kind: 'room', roomId: 'r', members: members.map((u, i) => ({ userId: u, name: u, avatarId: i })), locked: false } : null;
    for (const u of new Set([...before, ...members])) {
      const mine = members.includes(u) ? state : null;
      setTimeout(() => this.conns.get(u)!.fire('conversation', mine ? structuredClone(mine) : null), this.lat(u));
    }
  }

  uplink(from: string, to: string, s: RtcSignal): void {
    if (this.lose(from, to, s)) return;
    setTimeout(() => {
      if (!this.members.includes(from) || !this.members.includes(to) || this.refuse(from, to, s)) {
        this.refused++;
        setTimeout(() => this.conns.get(from)!.fire('error', { code: 'NOT_IN_CONVERSATION', message: 'no', ref: 'rtc.signal' }), this.lat(from));
        return;
      }
      this.relayed.push({ from, to, s });
      setTimeout(() => this.conns.get(to)!.fire('signal', from, s), this.lat(to));
    }, this.lat(from));
  }

  states(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [u, m] of this.meshes) for (const [v, pc] of m.connections()) out[`${u}>${v}`] = pc.connectionState;
    return out;
  }

  allConnected(users: string[]): boolean {
    return users.every((u) => {
      const c = this.meshes.get(u)!.connections();
      return users.every((v) => v === u || c.get(v)?.connectionState === 'connected');
    });
  }
}

async function until(office: FakeOffice, users: string[], maxMs: number): Promise<number> {
  const start = Date.now();
  while (!office.allConnected(users)) {
    if (Date.now() - start > maxMs) throw new Error(`not connected after ${maxMs} ms: ${JSON.stringify(office.states())}`);
    await vi.advanceTimersByTimeAsync(50);
  }
  return Date.now() - start;
}

const track = (kind: string) => ({ kind, enabled: true }) as unknown as MediaStreamTrack;
const stream = () => {
  const tracks = [track('audio'), track('video')];
  return { getTracks: () => tracks, getAudioTracks: () => [tracks[0]], getVideoTracks: () => [tracks[1]] } as unknown as MediaStream;
};

/** Two people, a and b, in one conversation and connected; b's mesh and both ends of their connection. */
async function connectedPair() {
  const office = new FakeOffice();
  office.add('a');
  const b = office.add('b');
  office.setMembers(['a', 'b']);
  await until(office, ['a', 'b'], 3000);
  const pcA = office.meshes.get('a')!.connections().get('b') as unknown as FakePc;
  const pcB = b.connections().get('a') as unknown as FakePc;
  return { office, b, pcA, pcB };
}

const total = (office: FakeOffice, key: 'resets' | 'iceRestarts' | 'followedResets' | 'staleSignals' | 'resends' | 'earlySignals' | 'mediaRestarts') =>
  [...office.meshes.values()].reduce((n, m) => n + m.recovery()[key], 0);

describe('CallMesh negotiation', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakePc.blocked = false;
    FakePc.opDelay = 1;
    byUfrag.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects two people, the one with the greater id offering, without any restart', async () => {
    const office = new FakeOffice();
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    const ms = await until(office, ['a', 'b'], 5000);
    expect(ms).toBeLessThan(1000);
    expect(total(office, 'resets')).toBe(0);
    // b (impolite) opened the session: its first description is an offer tagged with it, a's answer carries it back.
    const descs = office.relayed.filter((r) => r.s.kind === 'description');
    expect(descs[0]).toMatchObject({ from: 'b', s: { description: { type: 'offer' } } });
    const session = (descs[0]!.s as { session?: string }).session;
    expect(session).toBeTruthy();
    expect(descs.every((d) => (d.s as { session?: string }).session === session)).toBe(true);
  });

  it('connects six people walking in at once, with media added on every side (glare)', async () => {
    const office = new FakeOffice();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    users.forEach((u, i) => office.latency.set(u, 5 + i * 7));
    for (const u of users) office.add(u);
    office.setMembers(users);
    // Cameras come up at different moments, while the first offers are in flight.
    users.forEach((u, i) => setTimeout(() => office.meshes.get(u)!.setLocalStream(stream()), 3 + i * 11));
    await until(office, users, 5000);
    expect(total(office, 'resets')).toBe(0);
  });

  it('drops the descriptions and candidates of an older session that arrive after the pair met again', async () => {
    const office = new FakeOffice();
    office.latency.set('a', 10);
    office.latency.set('b', 300);
    office.add('a');
    office.add('b');
    // A walk-up group that breaks up as they walk, then meets again in the room: b's first offer is still in flight
    // (slow uplink) when the server has them together again, so it reaches a's new peer connection.
    office.setMembers(['a', 'b']);
    await vi.advanceTimersByTimeAsync(320);
    office.setMembers([]);
    await vi.advanceTimersByTimeAsync(5);
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 5000);
    expect(total(office, 'staleSignals') + total(office, 'followedResets')).toBeGreaterThan(0);
    expect(total(office, 'resets')).toBe(0);
  });

  it('recovers a pair whose first descriptions the server refused', async () => {
    const office = new FakeOffice();
    let dropped = 0;
    // Every description of the first session is lost; the error does not say which signal it was.
    office.refuse = (_from, _to, s) => s.kind === 'description' && dropped++ < 3;
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    const ms = await until(office, ['a', 'b'], 20_000);
    expect(ms).toBeLessThan(11_000);
    expect(office.refused).toBeGreaterThan(0);
  });

  it('sends the description again after a refused signal, before the watchdog has to act', async () => {
    const office = new FakeOffice();
    let dropped = 0;
    // a's answer is refused once (the server's membership lagged); resending it is enough.
    office.refuse = (from, _to, s) => from === 'a' && s.kind === 'description' && dropped++ < 1;
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    const ms = await until(office, ['a', 'b'], 20_000);
    expect(ms).toBeLessThan(3000);
    expect(total(office, 'resends')).toBeGreaterThan(0);
    expect(total(office, 'resets')).toBe(0);
  });

  it('sends a renegotiation again when the server refused it on a connected pair (camera added after connecting)', async () => {
    const { office, b, pcA, pcB } = await connectedPair();
    // b's camera comes up after the pair connected; its renegotiation offer is refused once (membership settling).
    let dropped = 0;
    office.refuse = (from, _to, s) => from === 'b' && s.kind === 'description' && dropped++ < 1;
    b.setLocalStream(stream());
    await vi.advanceTimersByTimeAsync(3000);
    expect(office.refused).toBe(1);
    // Still connected all along; the offer went again, so a now has b's tracks negotiated.
    expect(pcB.connectionState).toBe('connected');
    expect(pcB.signalingState).toBe('stable');
    expect(pcA.remoteDescription?.sdp).toBe(pcB.localDescription?.sdp);
    expect(b.recovery().resends).toBeGreaterThan(0);
    expect(total(office, 'resets')).toBe(0);
  });

  it('sends an unanswered renegotiation offer again on a connected pair when the answer vanished', async () => {
    const { office, b, pcA, pcB } = await connectedPair();
    // a's answer to b's renegotiation is lost without a word: b would wait in have-local-offer forever.
    let lost = 0;
    office.lose = (from, _to, s) => from === 'a' && s.kind === 'description' && lost++ < 1;
    b.setLocalStream(stream());
    await vi.advanceTimersByTimeAsync(1000);
    expect(pcB.signalingState).toBe('have-local-offer');
    await vi.advanceTimersByTimeAsync(4000);
    expect(pcB.signalingState).toBe('stable');
    expect(pcA.remoteDescription?.sdp).toBe(pcB.localDescription?.sdp);
    expect(pcB.connectionState).toBe('connected');
    expect(b.recovery().resends).toBe(1);
    expect(total(office, 'resets')).toBe(0);
  });

  it('restarts when signals vanish without an error for a while, then connects', async () => {
    const office = new FakeOffice();
    let lossy = true;
    office.lose = () => lossy;
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    await vi.advanceTimersByTimeAsync(4000);
    lossy = false;
    await until(office, ['a', 'b'], 15_000);
    // First the offer goes again (the peer may just be slow), then the pair starts over.
    expect(total(office, 'resends') + total(office, 'resets')).toBeGreaterThanOrEqual(1);
  });

  it('keeps candidates that arrive before their description', async () => {
    const office = new FakeOffice();
    office.add('a');
    office.add('b');
    // Reorder: b's descriptions are delayed behind its candidates.
    const realUplink = office.uplink.bind(office);
    office.uplink = (from, to, s) => {
      if (from === 'b' && s.kind === 'description') setTimeout(() => realUplink(from, to, s), 200);
      else realUplink(from, to, s);
    };
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
    expect(total(office, 'resets')).toBe(0);
  });

  it('holds signals from someone the conversation message has not named yet', async () => {
    const office = new FakeOffice();
    office.latency.set('a', 400);
    office.latency.set('b', 5);
    office.add('a');
    office.add('b');
    // b hears of the call long before a (a's downlink is slow); b's offer reaches a... after the conversation message
    // on the same link, unless it came another way: deliver it directly to prove the holding.
    const mesh = office.meshes.get('a')!;
    office.setMembers(['a', 'b']);
    await vi.advanceTimersByTimeAsync(100);
    // Replay b's first signals to a before a's conversation message (as a server relaying early would).
    for (const r of office.relayed.filter((x) => x.to === 'a')) office.conns.get('a')!.fire('signal', r.from, structuredClone(r.s));
    expect(mesh.recovery().earlySignals).toBeGreaterThan(0);
    await until(office, ['a', 'b'], 3000);
  });

  it('brings a failed connection back with an ICE restart', async () => {
    const office = new FakeOffice();
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
    const pcs = [...office.meshes.values()].map((m) => [...m.connections().values()][0] as unknown as FakePc);
    pcs.forEach((pc) => pc.fail());
    await vi.advanceTimersByTimeAsync(10);
    expect(office.allConnected(['a', 'b'])).toBe(false);
    await until(office, ['a', 'b'], 5000);
    expect(total(office, 'iceRestarts')).toBeGreaterThanOrEqual(1);
    expect(total(office, 'resets')).toBe(0);
    // Still the same peer connections: only the ICE credentials changed.
    expect([...office.meshes.values()].map((m) => [...m.connections().values()][0])).toEqual(pcs);
  });

  it('stops after the capped number of restarts, backing off between them', async () => {
    const office = new FakeOffice({ connectTimeoutMs: 1000, maxRestarts: 3 });
    FakePc.blocked = true;
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1000 + 1500 + 100);
    expect(office.meshes.get('b')!.recovery().resets).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(office.meshes.get('b')!.recovery().resets).toBe(3);
    expect(office.meshes.get('a')!.recovery().resets).toBe(0);
    // Unblocked now, a new membership (walking out and in) starts afresh.
    FakePc.blocked = false;
    office.setMembers([]);
    await vi.advanceTimersByTimeAsync(100);
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
  });

  it('starts over cleanly while an operation on the old connection is still pending', async () => {
    // Slow operations: the first sessions time out with a description being applied; it never settles once closed.
    FakePc.opDelay = 300;
    const office = new FakeOffice({ connectTimeoutMs: 400 });
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 30_000);
    expect(office.meshes.get('b')!.recovery().resets).toBeGreaterThanOrEqual(1);
  });

  it('closes everything when the call ends and reports the peers as left', async () => {
    const office = new FakeOffice();
    const a = office.add('a');
    office.add('b');
    const left: string[] = [];
    a.on('peerLeft', (id) => left.push(id));
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
    const pc = a.connections().get('b')!;
    office.setMembers([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(left).toEqual(['b']);
    expect(pc.connectionState).toBe('closed');
    expect(a.connections().size).toBe(0);
    // No watchdog keeps running for a peer that is gone.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(total(office, 'resets')).toBe(0);
  });
});

/**
 * Inbound video as getStats would report it: every read of a connection that carries video finds more bytes; a
 * connection `stalled` says is frozen reports the same number forever (connected, but one direction carries nothing).
 */
function videoMeter(stalled: (pc: FakePc) => boolean) {
  const bytes = new Map<unknown, number>();
  return async (pc: RTCPeerConnection): Promise<number | undefined> => {
    const n = (bytes.get(pc) ?? 0) + (stalled(pc as unknown as FakePc) ? 0 : 1000);
    bytes.set(pc, n);
    return n;
  };
}

describe('CallMesh media watchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakePc.blocked = false;
    FakePc.opDelay = 1;
    byUfrag.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const pcOf = (office: FakeOffice, user: string, peer: string) => office.meshes.get(user)!.connections().get(peer) as unknown as FakePc;

  it('starts a new session when the impolite side receives no video on a connected pair', async () => {
    const frozen = new Set<FakePc>();
    const office = new FakeOffice({ readVideoBytes: videoMeter((pc) => frozen.has(pc)), mediaCheckMs: 1000, mediaStallMs: 10_000 });
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
    // b (impolite) gets nothing from a on this connection, although a says it sends video.
    const first = pcOf(office, 'b', 'a');
    frozen.add(first);
    await vi.advanceTimersByTimeAsync(8000);
    expect(total(office, 'mediaRestarts')).toBe(0);
    await vi.advanceTimersByTimeAsync(4000);
    expect(office.meshes.get('b')!.recovery().mediaRestarts).toBe(1);
    expect(office.meshes.get('b')!.recovery().resets).toBe(1);
    await until(office, ['a', 'b'], 5000);
    expect(pcOf(office, 'b', 'a')).not.toBe(first);
    expect(office.meshes.get('a')!.recovery().followedResets).toBe(1);
    // Video flows on the new connection: nothing more happens.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(total(office, 'mediaRestarts')).toBe(1);
  });

  it('lets the polite side ask for a new session with an ICE restart when it receives no video', async () => {
    const frozen = new Set<FakePc>();
    const office = new FakeOffice({ readVideoBytes: videoMeter((pc) => frozen.has(pc)), mediaCheckMs: 1000, mediaStallMs: 10_000 });
    office.add('a');
    office.add('b');
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
    const aFirst = pcOf(office, 'a', 'b');
    const bFirst = pcOf(office, 'b', 'a');
    frozen.add(aFirst);
    await vi.advanceTimersByTimeAsync(12_000);
    await until(office, ['a', 'b'], 5000);
    // a (polite) asked with an ICE restart on its connection; b, whose connection was up, started a new session.
    expect(office.meshes.get('a')!.recovery().mediaRestarts).toBe(1);
    expect(office.meshes.get('b')!.recovery().mediaRestarts).toBe(1);
    expect(office.meshes.get('b')!.recovery().resets).toBe(1);
    expect(office.meshes.get('a')!.recovery().followedResets).toBe(1);
    expect(pcOf(office, 'a', 'b')).not.toBe(aFirst);
    expect(pcOf(office, 'b', 'a')).not.toBe(bFirst);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(total(office, 'mediaRestarts')).toBe(2);
  });

  it('leaves a peer alone whose camera is off, and stops after the capped retries, backing off', async () => {
    const office = new FakeOffice({ readVideoBytes: videoMeter(() => true), mediaCheckMs: 1000, mediaStallMs: 10_000, maxMediaRestarts: 2 });
    const a = office.add('a');
    const b = office.add('b');
    a.setMedia({ audio: true, video: false });
    b.setMedia({ audio: true, video: false });
    office.setMembers(['a', 'b']);
    await until(office, ['a', 'b'], 3000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(total(office, 'mediaRestarts')).toBe(0);
    // Cameras on, but nothing ever arrives on any connection: b starts over at 10 s, then 15 s, then gives up.
    a.setMedia({ audio: true, video: true });
    await vi.advanceTimersByTimeAsync(11_500);
    expect(b.recovery().mediaRestarts).toBe(1);
    await until(office, ['a', 'b'], 5000);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(b.recovery().mediaRestarts).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.recovery().mediaRestarts).toBe(2);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(b.recovery().mediaRestarts).toBe(2);
    // a says no video: a never judged b (b's camera stays off).
    expect(a.recovery().mediaRestarts).toBe(0);
  });
});
