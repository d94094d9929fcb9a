import { CallMesh, type OfficeConnection, type PeerView } from '@metaoffice/client';
import { DEFAULT_AV_PREFERENCES, type AvPreferences, type ChatMsg, type ConversationState, type Reaction } from '@metaoffice/protocol';
import { api } from '../api.js';
import { LEVEL_WINDOW_SAMPLES, nextActiveSpeaker, noteHeard, recentRms, stripOrder, type Heard } from './activeSpeaker.js';

/**
 * The browser side of calls: one {@link CallMesh} for the office connection, the local camera and microphone, the
 * person's A/V preferences, the call's chat and who is speaking. React reads it through {@link subscribe} and
 * {@link getSnapshot} (useSyncExternalStore); it never touches the DOM itself except for the media it owns.
 *
 * Media lifetime: the camera and microphone are opened as soon as a call starts and released (tracks stopped, so the
 * camera light goes off) when it ends. Camera off during a call stops the camera too; microphone off only disables
 * the track, so unmuting is instant. In Focus (DoNotDisturb) both are forced off and nothing is captured.
 *
 * First call ever (preferences say prejoinDone false): the pre-join dialog opens and no media is sent until Join.
 * Under automation (`navigator.webdriver`), the pre-join is confirmed at once with the stored (or default)
 * preferences, so end-to-end tests get media without clicking through it.
 */

/** Modest video so a 6-person mesh (5 uplinks) stays light. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 320 },
  height: { ideal: 240 },
  frameRate: { ideal: 15, max: 15 },
};
const AUDIO_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

const LEVEL_POLL_MS = 150;
/** RMS level (0..1) above which someone counts as speaking. */
const SPEAKING_LEVEL = 0.025;

export type PrejoinMode = 'call' | 'settings';

export interface RemotePeer extends PeerView {
  /** Changes whenever the set of tracks in `stream` changes, so a tile knows to re-attach it. */
  tracksKey: string;
  avatarId: number | undefined;
}

export interface CallSnapshot {
  call: ConversationState | null;
  /** Remote peers in display order (active speaker first in a big room). */
  peers: readonly RemotePeer[];
  /** The local stream being sent, if any, and a key that changes with its tracks. */
  local: MediaStream | undefined;
  localKey: string;
  /** What the person wants (toggles); the effective state also needs the device and no Focus. */
  micOn: boolean;
  camOn: boolean;
  /** Own availability is DoNotDisturb: camera and microphone forced off. */
  focus: boolean;
  /** Why media could not be captured (the call goes on receive-only), or null. */
  mediaError: string | null;
  acquiring: boolean;
  prefs: AvPreferences;
  prefsLoaded: boolean;
  prejoin: PrejoinMode | null;
  /** userIds (including mine) currently heard above the speaking level. */
  speaking: ReadonlySet<string>;
  activeSpeaker: string | null;
  /** Chat of the current conversation only; cleared when it ends or changes. */
  chat: readonly ChatMsg[];
}

export interface PeerStatsRow {
  userId: string;
  connectionState: string;
  audioBytesReceived: number;
  videoBytesReceived: number;
  framesDecoded: number;
}

interface Meter {
  trackId: string;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  buf: Float32Array<ArrayBuffer>;
  level: number;
}

export class CallController {
  readonly mesh: CallMesh;
  private snap: CallSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly offs: (() => void)[] = [];
  private readonly peers = new Map<string, RemotePeer>();
  private local: MediaStream | undefined;
  /** Bumped whenever the wanted media changes, so a late getUserMedia answer for an old wish is dropped. */
  private mediaGen = 0;
  private prefsPromise: Promise<void>;
  private audioCtx: AudioContext | undefined;
  private readonly meters = new Map<string, Meter>();
  private levelTimer: ReturnType<typeof setInterval> | undefined;
  /** performance.now() of the last level reading, so the next one covers all the audio since. */
  private lastLevelPoll: number | undefined;
  /** What was last heard of each person (see activeSpeaker.ts). */
  private readonly lastLoud = new Map<string, Heard>();
  private disposed = false;
  /** The mute marks last given to the mesh (it re-sends them to every peer on each change). */
  private pushed: { audio: boolean; video: boolean } | undefined;

  /** performance.now() of the first remote video frame drawn in the current call (test and diagnostics hook). */
  firstRemoteFrameMs: number | undefined;
  /** performance.now() when the last call's peer connections were all closed. */
  lastCallClosedMs: number | undefined;
  /** Milestones of the current call (performance.now()), for diagnostics: where the time to the first frame goes. */
  callTimeline: Record<string, number> = {};

  constructor(
    private readonly conn: OfficeConnection,
    private readonly selfUserId: string,
  ) {
    this.snap = {
      call: null,
      peers: [],
      local: undefined,
      localKey: '',
      micOn: DEFAULT_AV_PREFERENCES.micOnByDefault,
      camOn: DEFAULT_AV_PREFERENCES.cameraOnByDefault,
      focus: this.inFocus(),
      mediaError: null,
      acquiring: false,
      prefs: DEFAULT_AV_PREFERENCES,
      prefsLoaded: false,
      prejoin: null,
      speaking: new Set(),
      activeSpeaker: null,
      chat: [],
    };
    this.prefsPromise = api.avPreferences().then(
      (p) => this.set({ prefs: p, prefsLoaded: true }),
      // Without stored preferences the defaults do; the pre-join will ask once more next time.
      () => this.set({ prefsLoaded: true }),
    );
    this.mesh = new CallMesh(conn, () => this.selfUserId);
    this.offs.push(
      this.mesh.on('call', (c) => this.onCall(c)),
      this.mesh.on('peer', (p) => this.onPeer(p)),
      this.mesh.on('peerLeft', (id) => this.onPeerLeft(id)),
      conn.on('chat', (m) => this.onChat(m)),
      conn.on('people', () => this.syncFocus()),
      conn.on('update', () => this.syncFocus()),
      conn.on('welcome', () => this.syncFocus()),
    );
    // The mesh may have caught up with a call that was already going.
    if (this.mesh.current) this.onCall(this.mesh.current);
    for (const p of this.mesh.peerViews()) this.onPeer(p);
    // An AudioContext made before any click starts suspended; the first gesture wakes it.
    const wake = () => void this.audioCtx?.resume().catch(() => undefined);
    window.addEventListener('pointerdown', wake, true);
    window.addEventListener('keydown', wake, true);
    this.offs.push(() => {
      window.removeEventListener('pointerdown', wake, true);
      window.removeEventListener('keydown', wake, true);
    });
  }

  get selfId(): string {
    return this.selfUserId;
  }

  // ---- React store ------------------------------------------------------------------------------------------------

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): CallSnapshot => this.snap;

  private set(patch: Partial<CallSnapshot>): void {
    if (this.disposed) return;
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn();
  }

  // ---- actions ----------------------------------------------------------------------------------------------------

  toggleMic(): void {
    if (this.snap.focus) return;
    const micOn = !this.snap.micOn;
    this.set({ micOn });
    if (micOn && !this.local?.getAudioTracks().some((t) => t.readyState === 'live') && this.snap.call) {
      void this.acquire({ audio: true, video: false });
    }
    this.pushMedia();
  }

  toggleCamera(): void {
    if (this.snap.focus) return;
    const camOn = !this.snap.camOn;
    this.set({ camOn });
    if (!this.snap.call || this.snap.prejoin === 'call') return;
    if (camOn) void this.acquire({ audio: false, video: true });
    else this.stopTracks('video');
    this.pushMedia();
  }

  setLocked(locked: boolean): void {
    this.conn.lockConversation(locked);
  }

  sendChat(text: string): void {
    const t = text.trim();
    if (t) this.conn.sendChat(t.slice(0, 1000));
  }

  react(emoji: Reaction): void {
    this.conn.react(emoji);
  }

  openSettings(): void {
    if (!this.snap.prejoin) this.set({ prejoin: 'settings' });
  }

  closeSettings(): void {
    if (this.snap.prejoin === 'settings') this.set({ prejoin: null });
  }

  /** The pre-join / device settings were confirmed: store them and use them now. */
  async savePrefs(p: AvPreferences): Promise<void> {
    const prev = this.snap.prefs;
    const mode = this.snap.prejoin;
    const next = { ...p, prejoinDone: true };
    this.set({ prefs: next, prejoin: null });
    api.saveAvPreferences(next).catch(() => undefined);
    if (!this.snap.call) return;
    if (mode === 'call') {
      this.set({ micOn: next.micOnByDefault, camOn: next.cameraOnByDefault });
      this.startMedia();
    } else if (prev.microphoneId !== next.microphoneId || prev.cameraId !== next.cameraId) {
      // New devices in the middle of a call: swap the tracks (the mesh replaces them without renegotiating).
      this.stopTracks('audio');
      this.stopTracks('video');
      this.startMedia();
    }
  }

  /** A remote video element drew a frame. */
  noteRemoteFrame(): void {
    if (this.firstRemoteFrameMs === undefined && this.snap.call) {
      this.firstRemoteFrameMs = performance.now();
      this.mark('firstRemoteFrame');
    }
  }

  private mark(name: string): void {
    this.callTimeline[name] ??= Math.round(performance.now());
  }

  async stats(): Promise<PeerStatsRow[]> {
    const rows: PeerStatsRow[] = [];
    for (const [userId, pc] of this.mesh.connections()) {
      if (pc.connectionState === 'closed') continue;
      const row: PeerStatsRow = { userId, connectionState: pc.connectionState, audioBytesReceived: 0, videoBytesReceived: 0, framesDecoded: 0 };
      try {
        const report = await pc.getStats();
        report.forEach((s: { type: string; kind?: string; bytesReceived?: number; framesDecoded?: number }) => {
          if (s.type !== 'inbound-rtp') return;
          if (s.kind === 'audio') row.audioBytesReceived += s.bytesReceived ?? 0;
          else if (s.kind === 'video') {
            row.videoBytesReceived += s.bytesReceived ?? 0;
            row.framesDecoded += s.framesDecoded ?? 0;
          }
        });
      } catch {
        /* closed while asking */
      }
      rows.push(row);
    }
    return rows;
  }

  dispose(): void {
    this.disposed = true;
    for (const off of this.offs.splice(0)) off();
    this.mesh.close();
    this.releaseMedia();
    this.stopLevels();
    void this.audioCtx?.close().catch(() => undefined);
    this.audioCtx = undefined;
    this.listeners.clear();
  }

  // ---- call lifecycle ---------------------------------------------------------------------------------------------

  private onCall(c: ConversationState | null): void {
    const prev = this.snap.call;
    if (!c) {
      if (!prev) return;
      this.releaseMedia();
      this.stopLevels();
      this.peers.clear();
      this.firstRemoteFrameMs = undefined;
      // The mesh closes every peer connection before it reports the end of the call.
      this.lastCallClosedMs = performance.now();
      // A first-timer still in the pre-join may finish choosing devices; it just saves now.
      this.set({ call: null, peers: [], chat: [], speaking: new Set(), activeSpeaker: null, mediaError: null, prejoin: this.snap.prejoin === 'call' ? 'settings' : this.snap.prejoin });
      this.pushMedia();
      return;
    }
    const changedId = prev !== null && prev.id !== c.id;
    this.set({ call: c, ...(changedId ? { chat: [] } : {}), peers: this.ordered() });
    if (!prev) {
      this.lastCallClosedMs = undefined;
      this.firstRemoteFrameMs = undefined;
      this.callTimeline = {};
      this.mark('callStarted');
      void this.beginCall();
    }
  }

  private async beginCall(): Promise<void> {
    const gen = this.mediaGen;
    await this.prefsPromise;
    // The call ended (and maybe another began, which runs its own start) while the preferences were loading.
    if (!this.snap.call || gen !== this.mediaGen || this.disposed) return;
    const prefs = this.snap.prefs;
    this.set({ micOn: prefs.micOnByDefault, camOn: prefs.cameraOnByDefault });
    this.startLevels();
    if (!prefs.prejoinDone) {
      if (navigator.webdriver) {
        // Automation: confirm the pre-join with the stored or default settings (see the class comment).
        const next = { ...prefs, prejoinDone: true };
        this.set({ prefs: next });
        api.saveAvPreferences(next).catch(() => undefined);
      } else {
        this.set({ prejoin: 'call' });
        this.pushMedia();
        return;
      }
    }
    this.startMedia();
  }

  /** Opens what the toggles ask for (the microphone always, muted if off, so unmuting is instant). */
  private startMedia(): void {
    this.pushMedia();
    if (this.snap.focus) return;
    void this.acquire({ audio: true, video: this.snap.camOn });
  }

  private async acquire(want: { audio: boolean; video: boolean }): Promise<void> {
    const gen = this.mediaGen;
    const have = {
      audio: !!this.local?.getAudioTracks().some((t) => t.readyState === 'live'),
      video: !!this.local?.getVideoTracks().some((t) => t.readyState === 'live'),
    };
    const need = { audio: want.audio && !have.audio, video: want.video && !have.video };
    if (!need.audio && !need.video) return;
    const prefs = this.snap.prefs;
    const audio: MediaTrackConstraints | false = need.audio ? { ...AUDIO_CONSTRAINTS, ...(prefs.microphoneId ? { deviceId: { ideal: prefs.microphoneId } } : {}) } : false;
    const video: MediaTrackConstraints | false = need.video ? { ...VIDEO_CONSTRAINTS, ...(prefs.cameraId ? { deviceId: { ideal: prefs.cameraId } } : {}) } : false;
    this.set({ acquiring: true });
    this.mark('getUserMedia');
    let stream: MediaStream | undefined;
    let error: unknown;
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no getUserMedia'), { name: 'NotSupportedError' });
      stream = await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (err) {
      error = err;
      // One device may work where both together do not (no camera, camera busy): try each on its own.
      if (audio && video) {
        const parts = await Promise.all([
          navigator.mediaDevices.getUserMedia({ audio }).catch(() => undefined),
          navigator.mediaDevices.getUserMedia({ video }).catch(() => undefined),
        ]);
        const tracks = parts.flatMap((s) => s?.getTracks() ?? []);
        if (tracks.length > 0) stream = new MediaStream(tracks);
      }
    }
    // The call ended, Focus came on or the wish changed while the browser was asking: let the devices go.
    const stale = gen !== this.mediaGen || !this.snap.call || this.snap.focus || this.disposed;
    if (stale) {
      stream?.getTracks().forEach((t) => t.stop());
      if (!this.disposed) this.set({ acquiring: false });
      return;
    }
    const tracks = stream?.getTracks() ?? [];
    this.mark('mediaReady');
    // A camera that arrives after the person switched it off again is not needed.
    for (const t of tracks) {
      const dup = this.local?.getTracks().some((x) => x.kind === t.kind && x.readyState === 'live');
      if ((t.kind === 'video' && !this.snap.camOn) || dup) {
        t.stop();
        continue;
      }
      // One stream for the whole call, so peers keep seeing the same remote stream when a track is added later.
      this.local ??= new MediaStream();
      this.local.addTrack(t);
      t.addEventListener('ended', () => this.onTrackEnded(t));
    }
    const missing = [need.audio && !tracks.some((t) => t.kind === 'audio') ? 'microphone' : '', need.video && !tracks.some((t) => t.kind === 'video') ? 'camera' : ''].filter(Boolean);
    this.set({ acquiring: false, mediaError: missing.length > 0 ? describeMediaError(error, missing) : null });
    this.attachLocal();
  }

  private onTrackEnded(t: MediaStreamTrack): void {
    if (!this.local?.getTracks().includes(t)) return;
    this.local.removeTrack(t);
    // Unplugged or taken by the system: say so, and let the toggle reopen it.
    if (this.snap.call) {
      this.set({ ...(t.kind === 'video' ? { camOn: false } : { micOn: false }), mediaError: `Your ${t.kind === 'video' ? 'camera' : 'microphone'} stopped.` });
      this.pushMedia();
    }
    this.bumpLocal();
  }

  /** Tells the mesh what to send and the peers what is on (mute marks). */
  private pushMedia(): void {
    const s = this.snap;
    const sending = s.call !== null && s.prejoin !== 'call' && !s.focus;
    const audio = sending && s.micOn && !!this.local?.getAudioTracks().length;
    const video = sending && s.camOn && !!this.local?.getVideoTracks().length;
    if (this.pushed?.audio !== audio || this.pushed.video !== video) {
      this.pushed = { audio, video };
      this.mesh.setMedia(this.pushed);
    }
    this.bumpLocal();
  }

  private attachLocal(): void {
    this.mesh.setLocalStream(this.local);
    this.pushMedia();
  }

  private stopTracks(kind: 'audio' | 'video'): void {
    if (!this.local) return;
    for (const t of kind === 'audio' ? this.local.getAudioTracks() : this.local.getVideoTracks()) {
      t.stop();
      this.local.removeTrack(t);
    }
    if (kind === 'audio') this.dropMeter(this.selfUserId);
    this.bumpLocal();
  }

  /** Stops every local track (the camera light goes off) and stops sending. */
  private releaseMedia(): void {
    this.mediaGen++;
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = undefined;
    this.mesh.setLocalStream(undefined);
    this.dropMeter(this.selfUserId);
    this.set({ local: undefined, localKey: '', acquiring: false });
  }

  private bumpLocal(): void {
    const key = this.local ? this.local.getTracks().map((t) => `${t.id}:${t.enabled ? 1 : 0}`).join(',') : '';
    if (key !== this.snap.localKey || this.local !== this.snap.local) this.set({ local: this.local, localKey: key });
    if (this.snap.micOn && this.local?.getAudioTracks().length) this.ensureMeter(this.selfUserId, this.local);
  }

  // ---- Focus ------------------------------------------------------------------------------------------------------

  private ownAvailability(): string | undefined {
    return this.conn.people.get(this.selfUserId)?.availability ?? this.conn.self?.availability;
  }

  /** Focus as the server defines it (office-engine isFocus): do-not-disturb, or a Teams calendar meeting. */
  private inFocus(): boolean {
    const activity = this.conn.people.get(this.selfUserId)?.activity ?? this.conn.self?.activity;
    return this.ownAvailability() === 'DoNotDisturb' || activity === 'InAMeeting';
  }

  private syncFocus(): void {
    const focus = this.inFocus();
    if (focus === this.snap.focus) return;
    this.set({ focus });
    if (!this.snap.call) return;
    if (focus) {
      this.stopTracks('audio');
      this.stopTracks('video');
      this.pushMedia();
    } else if (this.snap.prejoin !== 'call') {
      this.startMedia();
    }
  }

  // ---- peers ------------------------------------------------------------------------------------------------------

  private onPeer(p: PeerView): void {
    const tracksKey = p.stream ? p.stream.getTracks().map((t) => t.id).join(',') : '';
    const avatarId = this.mesh.current?.members.find((m) => m.userId === p.userId)?.avatarId;
    this.peers.set(p.userId, { ...p, tracksKey, avatarId });
    if (p.stream) this.mark('firstRemoteTrack');
    if (p.state === 'connected') this.mark('firstPeerConnected');
    if (p.stream && p.stream.getAudioTracks().length > 0) this.ensureMeter(p.userId, p.stream);
    this.set({ peers: this.ordered() });
  }

  private onPeerLeft(userId: string): void {
    this.peers.delete(userId);
    this.dropMeter(userId);
    this.lastLoud.delete(userId);
    const patch: Partial<CallSnapshot> = { peers: this.ordered() };
    if (this.snap.activeSpeaker === userId) patch.activeSpeaker = null;
    this.set(patch);
  }

  /** Member order from the server; in a big room the active speaker goes first. */
  private ordered(active = this.snap.activeSpeaker): RemotePeer[] {
    return stripOrder(this.peers.values(), (this.mesh.current?.members ?? []).map((m) => m.userId), active);
  }

  // ---- chat -------------------------------------------------------------------------------------------------------

  private onChat(m: ChatMsg): void {
    const call = this.snap.call;
    if (!call || m.conversationId !== call.id) return;
    this.set({ chat: [...this.snap.chat, m].slice(-200) });
  }

  // ---- active speaker ---------------------------------------------------------------------------------------------

  private ensureMeter(userId: string, stream: MediaStream): void {
    const track = stream.getAudioTracks()[0];
    if (!track) return;
    const existing = this.meters.get(userId);
    if (existing?.trackId === track.id) return;
    this.dropMeter(userId);
    try {
      this.audioCtx ??= new AudioContext();
      const source = this.audioCtx.createMediaStreamSource(new MediaStream([track]));
      const analyser = this.audioCtx.createAnalyser();
      analyser.fftSize = LEVEL_WINDOW_SAMPLES;
      source.connect(analyser);
      this.meters.set(userId, { trackId: track.id, source, analyser, buf: new Float32Array(analyser.fftSize), level: 0 });
    } catch {
      /* no Web Audio: no speaker detection, the call itself is unaffected */
    }
  }

  private dropMeter(userId: string): void {
    const m = this.meters.get(userId);
    if (!m) return;
    this.meters.delete(userId);
    m.source.disconnect();
  }

  private startLevels(): void {
    if (this.levelTimer) return;
    this.levelTimer = setInterval(() => this.pollLevels(), LEVEL_POLL_MS);
  }

  private stopLevels(): void {
    clearInterval(this.levelTimer);
    this.levelTimer = undefined;
    this.lastLevelPoll = undefined;
    for (const id of [...this.meters.keys()]) this.dropMeter(id);
    this.lastLoud.clear();
  }

  private pollLevels(): void {
    const now = performance.now();
    const since = Math.max(LEVEL_POLL_MS, now - (this.lastLevelPoll ?? 0));
    this.lastLevelPoll = now;
    const speaking = new Set<string>();
    for (const [userId, m] of this.meters) {
      m.analyser.getFloatTimeDomainData(m.buf);
      const rms = recentRms(m.buf, m.analyser.context.sampleRate, since);
      m.level = Math.max(rms, m.level * 0.6);
      const muted = userId === this.selfUserId ? !this.snap.micOn : this.peers.get(userId)?.audio === false;
      if (m.level > SPEAKING_LEVEL && !muted) {
        speaking.add(userId);
        this.lastLoud.set(userId, noteHeard(this.lastLoud.get(userId), m.level, now));
      }
    }
    let loudest: { userId: string; level: number } | undefined;
    for (const id of speaking) {
      if (id === this.selfUserId) continue;
      const level = this.meters.get(id)!.level;
      if (!loudest || level > loudest.level) loudest = { userId: id, level };
    }
    const active = nextActiveSpeaker(this.snap.activeSpeaker, loudest, this.lastLoud, now);
    const same = active === this.snap.activeSpeaker && speaking.size === this.snap.speaking.size && [...speaking].every((id) => this.snap.speaking.has(id));
    if (same) return;
    const promotedChanged = active !== this.snap.activeSpeaker;
    this.set({ speaking, activeSpeaker: active, ...(promotedChanged ? { peers: this.ordered(active) } : {}) });
  }
}

function describeMediaError(err: unknown, missing: string[]): string {
  const what = missing.length === 2 ? 'camera and microphone' : missing[0]!;
  const name = (err as { name?: string } | undefined)?.name;
  const why =
    name === 'NotAllowedError' || name === 'SecurityError'
      ? `Your ${what} ${missing.length === 2 ? 'are' : 'is'} blocked. Allow ${missing.length === 2 ? 'them' : 'it'} in the browser's site settings.`
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? `No ${what} was found.`
        : name === 'NotReadableError' || name === 'AbortError'
          ? `Your ${what} ${missing.length === 2 ? 'are' : 'is'} in use by another app.`
          : name === 'NotSupportedError'
            ? 'This browser cannot capture a camera or microphone here.'
            : `Your ${what} could not be started.`;
  return `${why} You can still see and hear the others.`;
}
