import type { ConversationState, RtcSignal } from '@metaoffice/protocol';
import { Emitter } from './emitter.js';
import type { OfficeConnection } from './connection.js';

export interface PeerView {
  userId: string;
  name: string;
  /** The remote audio and video, once the first track arrives. */
  stream: MediaStream | undefined;
  state: RTCPeerConnectionState;
  /** What the peer says it sends (mute marks). */
  audio: boolean;
  video: boolean;
}

export interface CallMeshEvents {
  /** Anything about a peer changed: stream, state, mute marks. */
  peer: (p: PeerView) => void;
  peerLeft: (userId: string) => void;
  /** The call (conversation or room) started, changed members, or ended (null). */
  call: (c: ConversationState | null) => void;
}

/** What the mesh did to keep its connections up, for diagnostics and tests. */
export interface CallMeshRecovery {
  /** Peer connections torn down and negotiated again from scratch (a new session) by this side. */
  resets: number;
  /** ICE restarts (new ICE credentials on the same peer connection). */
  iceRestarts: number;
  /** Peer connections replaced because the other side started a new session. */
  followedResets: number;
  /** Descriptions and candidates of an older session, dropped. */
  staleSignals: number;
  /** Signals the server refused (NOT_IN_CONVERSATION) and descriptions sent again for them. */
  refusedSignals: number;
  resends: number;
  /** Signals from someone not (yet) a member, held until the conversation message names them. */
  earlySignals: number;
  /** Connected pairs whose inbound video stalled (bytes flat while the peer says it sends video) and were recovered:
   * by this side starting a new session (impolite) or asking for one with an ICE restart (polite). */
  mediaRestarts: number;
  /** The most recent recovery events, oldest first. */
  events: string[];
}

export interface CallMeshOptions {
  rtcConfig?: () => RTCConfiguration;
  /** Makes the peer connections (tests pass a fake). */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** A peer connection not connected this long after it was opened is started over (then longer, see below). */
  connectTimeoutMs?: number;
  /** How many times in a row one peer is started over before the mesh stops trying. */
  maxRestarts?: number;
  /** How long a connection may stay `disconnected` before an ICE restart. */
  disconnectedGraceMs?: number;
  /** Where recovery events are logged (default: console.info). */
  log?: (msg: string) => void;
  /** New session ids (tests make them predictable). */
  newSessionId?: () => string;
  /**
   * Reads the inbound video bytes received on a connection (the sum of its inbound-rtp video `bytesReceived`), for
   * the media watchdog. Default: `pc.getStats()`; undefined when it cannot tell (then the peer is not judged).
   */
  readVideoBytes?: (pc: RTCPeerConnection) => Promise<number | undefined>;
  /** How often the media watchdog looks at connected peers (0 turns it off). */
  mediaCheckMs?: number;
  /** How long inbound video may stay flat on a connected peer that says it sends video before recovery. */
  mediaStallMs?: number;
  /** How many media recoveries in a row one peer gets (the stall time grows 1.5x each time) before the mesh stops. */
  maxMediaRestarts?: number;
}

type Candidate = Extract<RtcSignal, { kind: 'candidate' }>['candidate'];

interface Peer extends PeerView {
  pc: RTCPeerConnection;
  polite: boolean;
  /** The impolite side opens sessions; the polite side adopts the one it is offered. */
  owner: boolean;
  /** This pair's current session; undefined on the polite side until the first signal of one arrives. */
  session: string | undefined;
  makingOffer: boolean;
  ignoreOffer: boolean;
  /** Serialises the handling of signals so descriptions and candidates apply in order. */
  queue: Promise<void>;
  /** Candidates that arrived before the remote description they belong to. */
  pendingCandidates: Candidate[];
  /** Local candidates sent in this session, sent again with the description when a signal was refused. */
  sentCandidates: Candidate[];
  /** The current peer connection has been connected at least once. */
  wasConnected: boolean;
  /** Start-overs since the last time this peer was connected. */
  restarts: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  lastResend: number;
  /** The SDP of the last remote offer applied, to recognise the same offer sent again. */
  lastRemoteOffer: string | undefined;
  /** The SDP of the last remote answer applied: the same answer again (sent again) must not answer a newer offer. */
  lastRemoteAnswer: string | undefined;
  /** The watchdog already sent this session's offer again once (a slow peer rather than a lost one). */
  nudged: boolean;
  /** An offer of this side that has no answer yet (a renegotiation on a connected pair), and how often it went again. */
  offerTimer: ReturnType<typeof setTimeout> | undefined;
  offerSdp: string | undefined;
  /** A `media` signal has come from this peer (until then `video` is only a default). */
  heardMedia: boolean;
  /** Media watchdog: inbound video bytes last seen on the current connection, and since when they have not grown. */
  videoBytes: number;
  videoSince: number;
  /** Media recoveries since video last flowed from this peer. */
  mediaRestarts: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESTARTS = 6;
const DEFAULT_DISCONNECTED_GRACE_MS = 5_000;
/** Signals from someone the conversation message has not named yet are kept this long. */
const EARLY_SIGNAL_MS = 5_000;
const EARLY_SIGNAL_MAX = 200;
/** After the server refused a signal, unconnected peers get their description again once this has passed. */
const RESEND_DELAY_MS = 1_000;
/** Sessions of a departed peer remembered per user, so their late signals are recognised as stale. */
const DEAD_SESSIONS_KEPT = 16;
/** An offer on a connected pair not answered this long goes again (then 2x, 4x); the impolite side then starts over. */
const RENEGOTIATION_RESEND_MS = 4_000;
const RENEGOTIATION_RESENDS = 2;
const DEFAULT_MEDIA_CHECK_MS = 2_000;
const DEFAULT_MEDIA_STALL_MS = 10_000;
const DEFAULT_MAX_MEDIA_RESTARTS = 3;

/**
 * The WebRTC mesh of one conversation or meeting room: one RTCPeerConnection per other member, negotiated with the
 * "perfect negotiation" pattern over the office WebSocket so glare and renegotiation resolve by themselves. The
 * server relays signalling only between members of the same conversation; this class opens and closes peer
 * connections as members come and go, so walking away tears the call down at once.
 *
 * Recovery. Signalling and membership race: a member who walks out and back in (or a walk-up group that breaks up
 * and meets again in a room) gets a new peer connection while descriptions and candidates of the old one are still
 * in flight, and the server refuses signals sent across a membership change. Applied to the new connection, an old
 * description leaves a pair "stable" with mismatched ICE credentials or DTLS fingerprints, never connecting. So each
 * pair's peer connection belongs to a *session*: the impolite side (greater user id) names it and tags its
 * descriptions and candidates with it; the polite side adopts it with the first signal, tags its own replies with
 * it, and replaces its peer connection whenever a new one shows up. Signals of an older session are dropped. Then a
 * watchdog: a connection not `connected` within `connectTimeoutMs` (longer after each try, at most `maxRestarts`
 * times) is started over by the impolite side in a new session; one that fails or stays `disconnected` after being
 * up gets an ICE restart first. Candidates that arrive before their description wait for it; signals from someone
 * the conversation message has not named yet wait for it; a signal the server refused makes unconnected peers get
 * their description again once the membership has settled.
 */
export class CallMesh extends Emitter<CallMeshEvents> {
  private readonly peers = new Map<string, Peer>();
  private local: MediaStream | undefined;
  private media = { audio: true, video: true };
  private call: ConversationState | null = null;
  private readonly offs: (() => void)[] = [];
  private readonly early = new Map<string, { at: number; signals: RtcSignal[] }>();
  private readonly deadSessions = new Map<string, string[]>();
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly rtcConfig: () => RTCConfiguration;
  private readonly createPc: (config: RTCConfiguration) => RTCPeerConnection;
  private readonly connectTimeoutMs: number;
  private readonly maxRestarts: number;
  private readonly disconnectedGraceMs: number;
  private readonly logFn: (msg: string) => void;
  private readonly newSessionId: () => string;
  private readonly readVideoBytes: (pc: RTCPeerConnection) => Promise<number | undefined>;
  private readonly mediaCheckMs: number;
  private readonly mediaStallMs: number;
  private readonly maxMediaRestarts: number;
  private mediaTimer: ReturnType<typeof setInterval> | undefined;
  private mediaChecking = false;
  private readonly stats: CallMeshRecovery = { resets: 0, iceRestarts: 0, followedResets: 0, staleSignals: 0, refusedSignals: 0, resends: 0, earlySignals: 0, mediaRestarts: 0, events: [] };

  constructor(
    private readonly conn: OfficeConnection,
    private readonly selfUserId: () => string | undefined,
    options: CallMeshOptions = {},
  ) {
    super();
    this.rtcConfig = options.rtcConfig ?? (() => ({ iceServers: conn.iceServers }));
    this.createPc = options.createPeerConnection ?? ((config) => new RTCPeerConnection(config));
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxRestarts = options.maxRestarts ?? DEFAULT_MAX_RESTARTS;
    this.disconnectedGraceMs = options.disconnectedGraceMs ?? DEFAULT_DISCONNECTED_GRACE_MS;
    this.logFn = options.log ?? ((msg) => console.info(`[call] ${msg}`));
    this.newSessionId = options.newSessionId ?? randomId;
    this.readVideoBytes = options.readVideoBytes ?? inboundVideoBytes;
    this.mediaCheckMs = options.mediaCheckMs ?? DEFAULT_MEDIA_CHECK_MS;
    this.mediaStallMs = options.mediaStallMs ?? DEFAULT_MEDIA_STALL_MS;
    this.maxMediaRestarts = options.maxMediaRestarts ?? DEFAULT_MAX_MEDIA_RESTARTS;
    this.offs.push(conn.on('conversation', (c) => this.onConversation(c)));
    this.offs.push(conn.on('signal', (from, s) => this.onSignal(from, s)));
    this.offs.push(
      conn.on('error', (e) => {
        if (e.code === 'NOT_IN_CONVERSATION' && e.ref === 'rtc.signal') this.onRefused();
      }),
    );
    if (conn.conversation) this.onConversation(conn.conversation);
  }

  get current(): ConversationState | null {
    return this.call;
  }

  peerViews(): PeerView[] {
    return [...this.peers.values()].map(view);
  }

  /** Connections by user, for diagnostics and tests (getStats). */
  connections(): Map<string, RTCPeerConnection> {
    return new Map([...this.peers].map(([id, p]) => [id, p.pc]));
  }

  /** What the mesh did to recover connections so far (counts since it was made, and the latest events). */
  recovery(): CallMeshRecovery {
    return { ...this.stats, events: [...this.stats.events] };
  }

  /** Sets the stream to send (or replaces it after a device change); tracks are swapped without renegotiating. */
  setLocalStream(stream: MediaStream | undefined): void {
    this.local = stream;
    this.applyEnabled();
    for (const p of this.peers.values()) this.attachLocal(p);
  }

  /** Microphone and camera toggles: tracks keep flowing as silence/black so no renegotiation is needed. */
  setMedia(media: { audio: boolean; video: boolean }): void {
    this.media = { ...media };
    this.applyEnabled();
    for (const p of this.peers.values()) this.conn.signal(p.userId, { kind: 'media', ...this.media });
  }

  close(): void {
    this.closed = true;
    for (const off of this.offs.splice(0)) off();
    clearTimeout(this.resendTimer);
    clearInterval(this.mediaTimer);
    this.mediaTimer = undefined;
    for (const id of [...this.peers.keys()]) this.dropPeer(id);
    this.early.clear();
  }

  private applyEnabled(): void {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = this.media.audio;
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = this.media.video;
  }

  private note(msg: string): void {
    this.stats.events.push(`${new Date().toISOString().slice(11, 23)} ${msg}`);
    if (this.stats.events.length > 50) this.stats.events.shift();
    this.logFn(msg);
  }

  private onConversation(c: ConversationState | null): void {
    const me = this.selfUserId();
    this.call = c;
    const wanted = new Map((c?.members ?? []).filter((m) => m.userId !== me).map((m) => [m.userId, m.name]));
    for (const id of [...this.peers.keys()]) if (!wanted.has(id)) this.dropPeer(id);
    for (const [id, name] of wanted) if (!this.peers.has(id)) this.addPeer(id, name);
    this.syncMediaTimer();
    this.emit('call', c);
  }

  private addPeer(userId: string, name: string): Peer {
    const me = this.selfUserId() ?? '';
    const polite = me < userId;
    const p: Peer = {
      userId, name, stream: undefined, state: 'new', audio: true, video: true, polite, owner: !polite,
      pc: undefined as unknown as RTCPeerConnection, session: undefined, makingOffer: false, ignoreOffer: false, queue: Promise.resolve(),
      pendingCandidates: [], sentCandidates: [], wasConnected: false, restarts: 0, timer: undefined, lastResend: 0, lastRemoteOffer: undefined, lastRemoteAnswer: undefined, nudged: false,
      offerTimer: undefined, offerSdp: undefined, heardMedia: false, videoBytes: 0, videoSince: Date.now(), mediaRestarts: 0,
    };
    this.peers.set(userId, p);
    this.conn.signal(userId, { kind: 'media', ...this.media });
    this.openPc(p, p.owner ? this.newSessionId() : undefined);
    // Signals that came before the conversation message named this member.
    const held = this.early.get(userId);
    this.early.delete(userId);
    if (held && Date.now() - held.at < EARLY_SIGNAL_MS) for (const s of held.signals) this.onSignal(userId, s);
    return p;
  }

  /** Opens a fresh peer connection for `p` in `session` (the previous one, if any, must be closed by the caller). */
  private openPc(p: Peer, session: string | undefined): void {
    const pc = this.createPc(this.rtcConfig());
    Object.assign(p, { pc, session, makingOffer: false, ignoreOffer: false, pendingCandidates: [], sentCandidates: [], wasConnected: false, state: pc.connectionState, stream: undefined, lastRemoteOffer: undefined, lastRemoteAnswer: undefined, nudged: false, videoBytes: 0, videoSince: Date.now() });
    const current = () => this.peers.get(p.userId) === p && p.pc === pc;
    pc.onnegotiationneeded = async () => {
      // The polite side waits for the session it is offered: an offer of its own before then would be unaddressed.
      if (!current() || p.session === undefined) return;
      try {
        p.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) this.send(p, pc, { kind: 'description', description: { type: pc.localDescription.type as 'offer', sdp: pc.localDescription.sdp } });
      } catch {
        /* a closed or replaced connection; nothing to do */
      } finally {
        if (p.pc === pc) p.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (!current()) return;
      const c = candidate?.toJSON();
      const sig: Candidate = c ? { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null } : null;
      if (sig) p.sentCandidates.push(sig);
      this.send(p, pc, { kind: 'candidate', candidate: sig });
    };
    pc.ontrack = ({ track, streams }) => {
      if (!current()) return;
      p.stream = streams[0] ?? p.stream ?? new MediaStream();
      if (!p.stream.getTracks().includes(track)) p.stream.addTrack(track);
      this.emit('peer', view(p));
    };
    pc.onconnectionstatechange = () => {
      if (!current()) return;
      p.state = pc.connectionState;
      this.emit('peer', view(p));
      this.watch(p);
    };
    this.attachLocal(p);
    // The side that opens the session always offers, camera or not: a receive-only audio and video m-line, which the
    // tracks take over when they come (addTrack reuses a transceiver that never sent), so ICE and DTLS are done by then.
    if (p.owner) {
      for (const kind of ['audio', 'video'] as const) {
        if (pc.getTransceivers().some((t) => (t.sender.track?.kind ?? t.receiver.track?.kind) === kind)) continue;
        try {
          pc.addTransceiver(kind, { direction: 'recvonly' });
        } catch {
          /* closed already */
        }
      }
    }
    this.emit('peer', view(p));
    this.watch(p);
  }

  private attachLocal(p: Peer): void {
    const tracks = this.local?.getTracks() ?? [];
    for (const track of tracks) {
      const sender = p.pc.getSenders().find((s) => s.track?.kind === track.kind);
      if (sender) void sender.replaceTrack(track).catch(() => undefined);
      else p.pc.addTrack(track, this.local!);
    }
  }

  private closePc(p: Peer): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    clearTimeout(p.offerTimer);
    p.offerTimer = undefined;
    p.offerSdp = undefined;
    const pc = p.pc;
    pc.onnegotiationneeded = null;
    pc.onicecandidate = null;
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    pc.close();
  }

  private dropPeer(userId: string): void {
    const p = this.peers.get(userId);
    if (!p) return;
    this.peers.delete(userId);
    if (!p.owner && p.session) this.bury(userId, p.session);
    this.closePc(p);
    this.emit('peerLeft', userId);
  }

  private bury(userId: string, session: string): void {
    const list = this.deadSessions.get(userId) ?? [];
    list.push(session);
    if (list.length > DEAD_SESSIONS_KEPT) list.shift();
    this.deadSessions.set(userId, list);
  }

  // ---- watchdog ---------------------------------------------------------------------------------------------------

  /** (Re)arms the peer's timer for its current connection state. */
  private watch(p: Peer): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (this.closed || this.peers.get(p.userId) !== p) return;
    const pc = p.pc;
    const state = pc.connectionState;
    if (state === 'connected') {
      p.wasConnected = true;
      p.restarts = 0;
      return;
    }
    if (state === 'closed') return;
    if (p.wasConnected && (state === 'failed' || state === 'disconnected')) {
      // It was up: the path broke (a network change, a long stall). Fresh ICE credentials usually bring it back.
      const delay = state === 'failed' ? 0 : this.disconnectedGraceMs;
      p.timer = setTimeout(() => {
        if (p.pc !== pc || pc.connectionState === 'connected') return;
        this.iceRestart(p, pc, state);
      }, delay);
      return;
    }
    // Never connected (or not since the last ICE restart): the side that opens sessions starts over after a while,
    // longer each time. The polite side waits for that (its own ICE restarts would only collide with the new offers).
    if (!p.owner || p.restarts >= this.maxRestarts) return;
    const timeout = Math.round(this.connectTimeoutMs * 1.5 ** p.restarts);
    p.timer = setTimeout(() => {
      if (p.pc !== pc || pc.connectionState === 'connected' || this.peers.get(p.userId) !== p) return;
      p.restarts++;
      if (pc.signalingState === 'have-local-offer' && !p.nudged) {
        // Still no answer: on a starved machine it may just be late, so the offer goes again (answered idempotently)
        // before the pair is started over at the next, longer timeout.
        p.nudged = true;
        this.resend(p, `no answer after ${timeout} ms`);
        this.watch(p);
        return;
      }
      this.reset(p, `not connected after ${timeout} ms (${describePc(pc)})`);
    }, timeout);
  }

  private iceRestart(p: Peer, pc: RTCPeerConnection, why: string): void {
    if (p.session === undefined || pc.signalingState === 'closed') return;
    this.stats.iceRestarts++;
    this.note(`ICE restart with ${p.userId} (${why})`);
    pc.restartIce();
    // If that does not bring it back, the connect watchdog starts it over.
    p.wasConnected = false;
    this.watch(p);
  }

  /** The impolite side starts the pair over: a new peer connection in a new session; the other side follows. */
  private reset(p: Peer, why: string): void {
    this.stats.resets++;
    const session = this.newSessionId();
    this.note(`restart ${p.restarts} with ${p.userId}: ${why}; new session ${session}`);
    this.closePc(p);
    // A signal being applied to the old connection may wait forever (a closed connection settles no promise): the
    // new one gets a queue of its own.
    p.queue = Promise.resolve();
    this.openPc(p, session);
  }

  // ---- signalling -------------------------------------------------------------------------------------------------

  private send(p: Peer, pc: RTCPeerConnection, signal: RtcSignal): void {
    if (this.peers.get(p.userId) !== p || p.pc !== pc || p.session === undefined) return;
    this.conn.signal(p.userId, signal.kind === 'media' ? signal : { ...signal, session: p.session });
    if (signal.kind === 'description' && signal.description.type === 'offer' && signal.description.sdp !== p.offerSdp) this.watchOffer(p, pc, signal.description.sdp, 0);
  }

  /**
   * A renegotiation on a connected pair (a camera or microphone added after connecting) whose offer or answer got
   * lost would leave the pair connected with that media never flowing, and the connect watchdog only looks at the
   * connection state. So an offer not answered in a while goes again (the same offer is answered again with the same
   * answer), and after that the impolite side starts the pair over.
   */
  private watchOffer(p: Peer, pc: RTCPeerConnection, sdp: string, tries: number): void {
    clearTimeout(p.offerTimer);
    p.offerSdp = sdp;
    p.offerTimer = setTimeout(() => {
      p.offerTimer = undefined;
      if (this.closed || this.peers.get(p.userId) !== p || p.pc !== pc || pc.signalingState !== 'have-local-offer' || pc.localDescription?.sdp !== sdp) return;
      // Not connected: the connect watchdog's business.
      if (pc.connectionState !== 'connected') return;
      if (tries >= RENEGOTIATION_RESENDS) {
        if (p.owner) this.reset(p, `renegotiation offer unanswered on a connected pair (${describeMedia(pc)})`);
        return;
      }
      p.lastResend = 0;
      this.resend(p, `no answer to a renegotiation for ${RENEGOTIATION_RESEND_MS * 2 ** tries} ms`);
      this.watchOffer(p, pc, sdp, tries + 1);
    }, RENEGOTIATION_RESEND_MS * 2 ** tries);
  }

  private onSignal(from: string, signal: RtcSignal): void {
    if (this.closed) return;
    let peer = this.peers.get(from);
    if (!peer) {
      const member = this.call?.members.find((m) => m.userId === from);
      if (member && from !== this.selfUserId()) peer = this.addPeer(from, member.name);
      else {
        // The conversation message that names them is on its way (or they have just left): hold it a moment.
        const now = Date.now();
        const held = this.early.get(from);
        const entry = held && now - held.at < EARLY_SIGNAL_MS ? held : { at: now, signals: [] };
        if (entry.signals.length < EARLY_SIGNAL_MAX) entry.signals.push(signal);
        this.early.set(from, entry);
        this.stats.earlySignals++;
        return;
      }
    }
    if (signal.kind === 'media') {
      // A camera that just came on gets the full stall time before the watchdog judges it.
      if (signal.video && !(peer.heardMedia && peer.video)) peer.videoSince = Date.now();
      peer.heardMedia = true;
      peer.audio = signal.audio;
      peer.video = signal.video;
      this.emit('peer', view(peer));
      return;
    }
    const p = peer;
    p.queue = p.queue.then(() => this.apply(p, signal)).catch(() => undefined);
  }

  /** Decides whether a description or candidate belongs to the pair's current session, following a new one. */
  private admit(p: Peer, session: string | undefined): boolean {
    if (this.peers.get(p.userId) !== p) return false;
    if (p.owner) {
      if (session === p.session) return true;
      // A reply to one of this side's earlier sessions.
      this.stats.staleSignals++;
      return false;
    }
    if (session === undefined || this.deadSessions.get(p.userId)?.includes(session)) {
      this.stats.staleSignals++;
      return false;
    }
    if (p.session === undefined) {
      p.session = session;
      return true;
    }
    if (session === p.session) return true;
    // The other side started over (its watchdog, or a stale session was adopted first): so does this side. Signals
    // of one sender arrive in order, so a session not seen before is newer than the current one.
    this.stats.followedResets++;
    this.note(`following ${p.userId} to new session ${session} (was ${p.session}, ${describeMedia(p.pc)})`);
    this.bury(p.userId, p.session);
    const restarts = p.restarts;
    this.closePc(p);
    this.openPc(p, session);
    p.restarts = restarts;
    return true;
  }

  private async apply(p: Peer, signal: RtcSignal): Promise<void> {
    if (signal.kind === 'media' || !this.admit(p, signal.session)) return;
    const pc = p.pc;
    if (pc.signalingState === 'closed') return;
    switch (signal.kind) {
      case 'description': {
        const d = signal.description;
        if (d.type === 'offer' && pc.signalingState === 'stable' && p.lastRemoteOffer === d.sdp) {
          // The same offer again (sent again after a refused signal): our answer may be what got lost.
          if (pc.localDescription) this.send(p, pc, { kind: 'description', description: { type: pc.localDescription.type as 'answer', sdp: pc.localDescription.sdp } });
          return;
        }
        // An answer with no offer outstanding is late or doubled; applying it would only throw.
        if (d.type === 'answer' && (pc.signalingState !== 'have-local-offer' || d.sdp === p.lastRemoteAnswer)) return;
        if (d.type === 'offer' && p.owner && pc.connectionState === 'connected' && pc.remoteDescription && !sameUfrags(remoteUfrags(pc), ufragsOf(d.sdp))) {
          // The polite side restarted ICE on a connection that is up here: that is how it asks for a new session
          // (its media watchdog saw no video from this side). A new peer connection is the stronger cure.
          this.stats.mediaRestarts++;
          this.reset(p, `${p.userId} asked for a new session (ICE restart while connected; ${describeMedia(pc)})`);
          return;
        }
        const offerCollision = d.type === 'offer' && (p.makingOffer || pc.signalingState !== 'stable');
        p.ignoreOffer = !p.polite && offerCollision;
        if (p.ignoreOffer) return;
        await pc.setRemoteDescription(d);
        if (d.type === 'offer') p.lastRemoteOffer = d.sdp;
        else p.lastRemoteAnswer = d.sdp;
        await this.flushCandidates(p, pc);
        if (d.type === 'offer') {
          await pc.setLocalDescription();
          if (pc.localDescription) this.send(p, pc, { kind: 'description', description: { type: pc.localDescription.type as 'answer', sdp: pc.localDescription.sdp } });
        }
        return;
      }
      case 'candidate': {
        const c = signal.candidate;
        // Before its description, or for ICE credentials not applied yet (an ICE restart in flight): wait for it.
        if (!pc.remoteDescription || (c?.usernameFragment && !remoteUfrags(pc).has(c.usernameFragment))) {
          if (p.pendingCandidates.length < 100) p.pendingCandidates.push(c);
          return;
        }
        await this.addCandidate(p, pc, c);
        return;
      }
    }
  }

  // ---- media watchdog -------------------------------------------------------------------------------------------------

  private syncMediaTimer(): void {
    const want = !this.closed && this.mediaCheckMs > 0 && this.peers.size > 0;
    if (want && this.mediaTimer === undefined) this.mediaTimer = setInterval(() => void this.checkMedia(), this.mediaCheckMs);
    else if (!want && this.mediaTimer !== undefined) {
      clearInterval(this.mediaTimer);
      this.mediaTimer = undefined;
    }
  }

  /**
   * A connected peer that says it sends video, whose inbound video bytes have not grown for `mediaStallMs` (longer
   * after each try), is recovered: the impolite side starts a new session, the polite side asks for one with an ICE
   * restart (which the impolite side answers with a new session while its connection is up).
   */
  private async checkMedia(): Promise<void> {
    if (this.mediaChecking || this.closed) return;
    this.mediaChecking = true;
    try {
      for (const p of [...this.peers.values()]) {
        const pc = p.pc;
        const now = Date.now();
        if (pc.connectionState !== 'connected' || !p.heardMedia || !p.video) {
          p.videoSince = now;
          continue;
        }
        let bytes: number | undefined;
        try {
          bytes = await this.readVideoBytes(pc);
        } catch {
          bytes = undefined;
        }
        if (this.peers.get(p.userId) !== p || p.pc !== pc) continue;
        if (bytes === undefined) continue;
        if (bytes > p.videoBytes) {
          p.videoBytes = bytes;
          p.videoSince = Date.now();
          p.mediaRestarts = 0;
          continue;
        }
        const stall = Math.round(this.mediaStallMs * 1.5 ** p.mediaRestarts);
        if (Date.now() - p.videoSince < stall || p.mediaRestarts >= this.maxMediaRestarts) continue;
        p.mediaRestarts++;
        p.videoSince = Date.now();
        this.stats.mediaRestarts++;
        const why = `no video from ${p.userId} for ${stall} ms while connected (${describeMedia(pc)})`;
        if (p.owner) {
          const restarts = p.mediaRestarts;
          this.reset(p, why);
          p.mediaRestarts = restarts;
        } else if (p.session !== undefined && pc.signalingState !== 'closed') {
          this.note(`asking ${p.userId} for a new session: ${why}`);
          pc.restartIce();
        }
      }
    } finally {
      this.mediaChecking = false;
    }
  }

  private async addCandidate(p: Peer, pc: RTCPeerConnection, c: Candidate): Promise<void> {
    try {
      await pc.addIceCandidate(c ?? undefined);
    } catch {
      // Candidates of an offer ignored in glare fail here, as do ones of ICE credentials replaced since.
    }
  }

  private async flushCandidates(p: Peer, pc: RTCPeerConnection): Promise<void> {
    if (p.pendingCandidates.length === 0) return;
    const ufrags = remoteUfrags(pc);
    const pending = p.pendingCandidates.splice(0);
    for (const c of pending) {
      if (c?.usernameFragment && !ufrags.has(c.usernameFragment)) {
        // Not for this description: keep it for a later one (an ICE restart), drop it for an earlier one.
        if (p.pendingCandidates.length < 100) p.pendingCandidates.push(c);
        continue;
      }
      await this.addCandidate(p, pc, c);
    }
  }

  /** The server refused a signal: membership changed under it. Once that settles, unconnected peers get theirs again. */
  private onRefused(): void {
    this.stats.refusedSignals++;
    if (this.resendTimer !== undefined) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      if (this.closed) return;
      // Also connected pairs with an offer outstanding: a renegotiation (a camera added) may be what was refused.
      for (const p of this.peers.values()) if (p.pc.connectionState !== 'connected' || p.pc.signalingState !== 'stable') this.resend(p, 'a refused signal');
    }, RESEND_DELAY_MS);
  }

  /** Sends the current local description and this session's candidates again. */
  private resend(p: Peer, why: string): void {
    const pc = p.pc;
    const now = Date.now();
    if (p.session === undefined || !pc.localDescription || now - p.lastResend < RESEND_DELAY_MS) return;
    p.lastResend = now;
    this.stats.resends++;
    this.note(`sending the ${pc.localDescription.type} to ${p.userId} again after ${why}`);
    this.send(p, pc, { kind: 'description', description: { type: pc.localDescription.type as 'offer', sdp: pc.localDescription.sdp } });
    for (const c of p.sentCandidates) this.send(p, pc, { kind: 'candidate', candidate: c });
  }
}

function view(p: Peer): PeerView {
  return { userId: p.userId, name: p.name, stream: p.stream, state: p.state, audio: p.audio, video: p.video };
}

function remoteUfrags(pc: RTCPeerConnection): Set<string> {
  return new Set([...(pc.remoteDescription?.sdp ?? '').matchAll(/^a=ice-ufrag:(\S+)/gm)].map((m) => m[1]!));
}

function ufragsOf(sdp: string): Set<string> {
  return new Set([...sdp.matchAll(/^a=ice-ufrag:(\S+)/gm)].map((m) => m[1]!));
}

function sameUfrags(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((u) => b.has(u));
}

/** The video transceivers' negotiated directions and whether they have a track to send, for the log. */
function describeMedia(pc: RTCPeerConnection): string {
  const tx = pc.getTransceivers().filter((t) => (t.sender.track?.kind ?? t.receiver.track?.kind) === 'video');
  return `video tx: ${tx.map((t) => `${t.direction}/${t.currentDirection ?? '-'}/${t.sender.track ? t.sender.track.readyState ?? 'track' : 'no track'}`).join(',') || 'none'}; ${describePc(pc)}`;
}

async function inboundVideoBytes(pc: RTCPeerConnection): Promise<number | undefined> {
  if (typeof pc.getStats !== 'function') return undefined;
  let bytes = 0;
  const report = await pc.getStats();
  report.forEach((s: { type: string; kind?: string; bytesReceived?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') bytes += s.bytesReceived ?? 0;
  });
  return bytes;
}

function describePc(pc: RTCPeerConnection): string {
  return `${pc.connectionState}/${pc.signalingState}/local:${pc.localDescription?.type ?? '-'}/remote:${pc.remoteDescription?.type ?? '-'}`;
}

function randomId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
