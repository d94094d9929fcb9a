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

interface Peer extends PeerView {
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  /** Serialises the handling of signals so descriptions and candidates apply in order. */
  queue: Promise<void>;
}

/**
 * The WebRTC mesh of one conversation or meeting room: one RTCPeerConnection per other member, negotiated with the
 * "perfect negotiation" pattern over the office WebSocket so glare and renegotiation resolve by themselves. The
 * server relays signalling only between members of the same conversation; this class opens and closes peer
 * connections as members come and go, so walking away tears the call down at once.
 */
export class CallMesh extends Emitter<CallMeshEvents> {
  private readonly peers = new Map<string, Peer>();
  private local: MediaStream | undefined;
  private media = { audio: true, video: true };
  private call: ConversationState | null = null;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly conn: OfficeConnection,
    private readonly selfUserId: () => string | undefined,
    private readonly rtcConfig: () => RTCConfiguration = () => ({ iceServers: conn.iceServers }),
  ) {
    super();
    this.offs.push(conn.on('conversation', (c) => this.onConversation(c)));
    this.offs.push(conn.on('signal', (from, s) => this.onSignal(from, s)));
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
    for (const off of this.offs.splice(0)) off();
    for (const id of [...this.peers.keys()]) this.dropPeer(id);
  }

  private applyEnabled(): void {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = this.media.audio;
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = this.media.video;
  }

  private onConversation(c: ConversationState | null): void {
    const me = this.selfUserId();
    this.call = c;
    const wanted = new Map((c?.members ?? []).filter((m) => m.userId !== me).map((m) => [m.userId, m.name]));
    for (const id of [...this.peers.keys()]) if (!wanted.has(id)) this.dropPeer(id);
    for (const [id, name] of wanted) if (!this.peers.has(id)) this.addPeer(id, name);
    this.emit('call', c);
  }

  private addPeer(userId: string, name: string): Peer {
    const me = this.selfUserId() ?? '';
    const pc = new RTCPeerConnection(this.rtcConfig());
    const p: Peer = { userId, name, pc, stream: undefined, state: pc.connectionState, audio: true, video: true, polite: me < userId, makingOffer: false, ignoreOffer: false, queue: Promise.resolve() };
    this.peers.set(userId, p);
    pc.onnegotiationneeded = async () => {
      try {
        p.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) this.send(p, { kind: 'description', description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      } catch {
        /* a closed or replaced connection; nothing to do */
      } finally {
        p.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      const c = candidate?.toJSON();
      this.send(p, { kind: 'candidate', candidate: c ? { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null } : null });
    };
    pc.ontrack = ({ track, streams }) => {
      p.stream = streams[0] ?? p.stream ?? new MediaStream();
      if (!p.stream.getTracks().includes(track)) p.stream.addTrack(track);
      this.emit('peer', view(p));
    };
    pc.onconnectionstatechange = () => {
      p.state = pc.connectionState;
      this.emit('peer', view(p));
      // ICE restarts recover a path that failed (a network change) without tearing the call down.
      if (pc.connectionState === 'failed') pc.restartIce();
    };
    this.attachLocal(p);
    this.conn.signal(userId, { kind: 'media', ...this.media });
    this.emit('peer', view(p));
    return p;
  }

  private attachLocal(p: Peer): void {
    const tracks = this.local?.getTracks() ?? [];
    for (const track of tracks) {
      const sender = p.pc.getSenders().find((s) => s.track?.kind === track.kind);
      if (sender) void sender.replaceTrack(track).catch(() => undefined);
      else p.pc.addTrack(track, this.local!);
    }
  }

  private dropPeer(userId: string): void {
    const p = this.peers.get(userId);
    if (!p) return;
    this.peers.delete(userId);
    p.pc.onnegotiationneeded = null;
    p.pc.onicecandidate = null;
    p.pc.ontrack = null;
    p.pc.onconnectionstatechange = null;
    p.pc.close();
    this.emit('peerLeft', userId);
  }

  private send(p: Peer, signal: RtcSignal): void {
    if (this.peers.get(p.userId) === p) this.conn.signal(p.userId, signal);
  }

  private onSignal(from: string, signal: RtcSignal): void {
    const p = this.peers.get(from);
    // Signalling can outrun the conversation message by a frame; the server only relays between members.
    const peer = p ?? (this.call?.members.some((m) => m.userId === from) ? this.addPeer(from, this.call.members.find((m) => m.userId === from)!.name) : undefined);
    if (!peer) return;
    peer.queue = peer.queue.then(() => this.apply(peer, signal)).catch(() => undefined);
  }

  private async apply(p: Peer, signal: RtcSignal): Promise<void> {
    const pc = p.pc;
    if (pc.signalingState === 'closed') return;
    switch (signal.kind) {
      case 'media':
        p.audio = signal.audio;
        p.video = signal.video;
        this.emit('peer', view(p));
        return;
      case 'description': {
        const d = signal.description;
        const offerCollision = d.type === 'offer' && (p.makingOffer || pc.signalingState !== 'stable');
        p.ignoreOffer = !p.polite && offerCollision;
        if (p.ignoreOffer) return;
        await pc.setRemoteDescription(d);
        if (d.type === 'offer') {
          await pc.setLocalDescription();
          if (pc.localDescription) this.send(p, { kind: 'description', description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
        }
        return;
      }
      case 'candidate':
        try {
          await pc.addIceCandidate(signal.candidate ?? undefined);
        } catch (err) {
          if (!p.ignoreOffer) throw err;
        }
        return;
    }
  }
}

function view(p: Peer): PeerView {
  return { userId: p.userId, name: p.name, stream: p.stream, state: p.state, audio: p.audio, video: p.video };
}
