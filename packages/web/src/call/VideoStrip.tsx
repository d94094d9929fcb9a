import { useEffect, useRef, useState } from 'react';
import type { CallController, CallSnapshot, RemotePeer } from './CallController.js';
import { CallAvatar, type Face } from './Avatar.js';
import { CameraIcon, LockIcon, MicIcon, WalkIcon, WarnIcon } from './icons.js';
import './call.css';

type SinkVideo = HTMLVideoElement & { setSinkId?(id: string): Promise<void>; sinkId?: string };

/**
 * The call strip at the top centre of the map: one tile per other participant, then the self-view, and the call's
 * controls below. Audio plays from the remote video elements; the self-view is muted and mirrored.
 */
export function VideoStrip({
  ctl,
  snap,
  selfName,
  lookOf,
}: {
  ctl: CallController;
  snap: CallSnapshot;
  selfName: string;
  lookOf(userId: string, avatarId?: number): Face | undefined;
}) {
  const call = snap.call;
  if (!call) return null;
  const walkup = call.kind === 'walkup';
  const title = walkup ? 'Conversation' : (call.roomName ?? 'Meeting room');
  const micOn = snap.micOn && !snap.focus;
  const camOn = snap.camOn && !snap.focus;
  const focusNote = 'You are in Focus: camera and microphone stay off';
  const selfId = ctl.selfId;
  return (
    <section className="call-strip" aria-label={`${title} call`}>
      <div className="call-tiles">
        {snap.peers.map((p) => (
          <RemoteTile
            key={p.userId}
            peer={p}
            look={lookOf(p.userId, p.avatarId)}
            speaking={snap.speaking.has(p.userId)}
            speakerId={snap.prefs.speakerId}
            onFirstFrame={() => ctl.noteRemoteFrame()}
          />
        ))}
        <SelfTile
          stream={snap.local}
          streamKey={snap.localKey}
          name={selfName}
          look={lookOf(selfId)}
          micOn={micOn}
          camOn={camOn}
          focus={snap.focus}
          speaking={snap.speaking.has(selfId)}
          waiting={snap.acquiring || snap.prejoin === 'call'}
        />
      </div>
      <div className="call-bar" role="toolbar" aria-label="Call controls">
        <span className="call-bar-title" title={title}>
          {!walkup && <span className="call-room-dot" aria-hidden="true" />}
          <span className="call-bar-name">{title}</span>
          <span className="call-count" aria-label={`${call.members.length} people`}>
            {call.members.length}
          </span>
        </span>
        <span className="call-sep" aria-hidden="true" />
        <button
          type="button"
          className={`call-btn${micOn ? '' : ' off'}`}
          onClick={() => ctl.toggleMic()}
          disabled={snap.focus}
          aria-pressed={!micOn}
          aria-label={micOn ? 'Mute microphone' : 'Unmute microphone'}
          title={snap.focus ? focusNote : micOn ? 'Mute microphone' : 'Unmute microphone'}
        >
          <MicIcon off={!micOn} />
        </button>
        <button
          type="button"
          className={`call-btn${camOn ? '' : ' off'}`}
          onClick={() => ctl.toggleCamera()}
          disabled={snap.focus}
          aria-pressed={!camOn}
          aria-label={camOn ? 'Turn camera off' : 'Turn camera on'}
          title={snap.focus ? focusNote : camOn ? 'Turn camera off' : 'Turn camera on'}
        >
          <CameraIcon off={!camOn} />
        </button>
        {walkup && (
          <button
            type="button"
            className={`call-btn lock${call.locked ? ' locked' : ''}`}
            onClick={() => ctl.setLocked(!call.locked)}
            aria-pressed={call.locked}
            aria-label={call.locked ? 'Unlock conversation' : 'Lock conversation'}
            title={call.locked ? 'Locked: nobody new can join. Click to unlock.' : 'Lock so nobody new joins'}
          >
            <LockIcon open={!call.locked} />
            <span className="call-btn-text">{call.locked ? 'Locked' : 'Lock'}</span>
          </button>
        )}
        <span className="call-sep" aria-hidden="true" />
        <span className="call-hint">
          <WalkIcon />
          {walkup ? 'Walk away to leave' : 'Leave the room to hang up'}
        </span>
      </div>
      {(snap.mediaError || snap.focus) && (
        <div className="call-note" role="status">
          <WarnIcon />
          {snap.focus ? `${focusNote}.` : snap.mediaError}
        </div>
      )}
    </section>
  );
}

function RemoteTile({
  peer,
  look,
  speaking,
  speakerId,
  onFirstFrame,
}: {
  peer: RemotePeer;
  look: Face | undefined;
  speaking: boolean;
  speakerId: string | null;
  onFirstFrame(): void;
}) {
  const ref = useRef<SinkVideo>(null);
  const [hasFrame, setHasFrame] = useState(false);
  const [soundBlocked, setSoundBlocked] = useState(false);
  const frameCb = useRef(onFirstFrame);
  frameCb.current = onFirstFrame;

  // Attach the stream (again when its tracks change) and play it with sound; a browser that blocks sound before
  // any click plays it muted until the next click or key.
  useEffect(() => {
    const v = ref.current;
    if (!v) return;
    v.srcObject = peer.stream ?? null;
    if (!peer.stream) return;
    let live = true;
    v.muted = false;
    v.play().then(
      () => live && setSoundBlocked(false),
      (err: unknown) => {
        if (!live || (err as { name?: string }).name !== 'NotAllowedError') return;
        v.muted = true;
        setSoundBlocked(true);
        void v.play().catch(() => undefined);
      },
    );
    return () => {
      live = false;
    };
  }, [peer.stream, peer.tracksKey]);

  useEffect(() => {
    if (!soundBlocked) return;
    const unblock = () => {
      const v = ref.current;
      if (!v) return;
      v.muted = false;
      void v.play().then(
        () => setSoundBlocked(false),
        () => (v.muted = true),
      );
    };
    window.addEventListener('pointerdown', unblock, true);
    window.addEventListener('keydown', unblock, true);
    return () => {
      window.removeEventListener('pointerdown', unblock, true);
      window.removeEventListener('keydown', unblock, true);
    };
  }, [soundBlocked]);

  // The first decoded frame: the video replaces the avatar, and the call's first-frame time is taken.
  useEffect(() => {
    const v = ref.current;
    if (!v || !peer.stream?.getVideoTracks().length) return;
    let done = false;
    const got = () => {
      if (done || v.videoWidth === 0) return;
      done = true;
      setHasFrame(true);
      frameCb.current();
    };
    const handle = v.requestVideoFrameCallback?.(got);
    v.addEventListener('resize', got);
    v.addEventListener('loadeddata', got);
    return () => {
      done = true;
      if (handle !== undefined) v.cancelVideoFrameCallback?.(handle);
      v.removeEventListener('resize', got);
      v.removeEventListener('loadeddata', got);
    };
  }, [peer.stream, peer.tracksKey]);

  useEffect(() => {
    const v = ref.current;
    if (!v?.setSinkId || (v.sinkId ?? '') === (speakerId ?? '')) return;
    void v.setSinkId(speakerId ?? '').catch(() => undefined);
  }, [speakerId, peer.stream]);

  const hasVideo = !!peer.stream?.getVideoTracks().some((t) => t.readyState === 'live');
  const showVideo = peer.video && hasVideo && hasFrame;
  const connecting = peer.state === 'new' || peer.state === 'connecting';
  const trouble = peer.state === 'failed' || peer.state === 'disconnected';
  return (
    <figure
      className={`call-tile${speaking ? ' speaking' : ''}${showVideo ? '' : ' no-video'}`}
      aria-label={peer.name}
      data-user-id={peer.userId}
      data-speaking={speaking}
    >
      <video ref={ref} autoPlay playsInline className="call-video" />
      {!showVideo && (
        <div className="call-tile-cover">
          <CallAvatar name={peer.name} look={look} />
          {(connecting || trouble) && <span className="call-tile-state">{trouble ? 'Reconnecting…' : 'Connecting…'}</span>}
        </div>
      )}
      <figcaption className="call-name">
        {!peer.audio && (
          <span className="call-muted" title="Microphone off" aria-label="Microphone off">
            <MicIcon off size={13} />
          </span>
        )}
        <span className="call-name-text">{peer.name}</span>
      </figcaption>
      {soundBlocked && <span className="call-sound-chip">Click to hear</span>}
    </figure>
  );
}

function SelfTile({
  stream,
  streamKey,
  name,
  look,
  micOn,
  camOn,
  focus,
  speaking,
  waiting,
}: {
  stream: MediaStream | undefined;
  streamKey: string;
  name: string;
  look: Face | undefined;
  micOn: boolean;
  camOn: boolean;
  focus: boolean;
  speaking: boolean;
  waiting: boolean;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = ref.current;
    if (!v) return;
    v.muted = true;
    if (v.srcObject !== (stream ?? null)) v.srcObject = stream ?? null;
    if (stream) void v.play().catch(() => undefined);
  }, [stream, streamKey]);
  const showVideo = camOn && !!stream?.getVideoTracks().some((t) => t.readyState === 'live');
  return (
    <figure className={`call-tile self${speaking && micOn ? ' speaking' : ''}${showVideo ? '' : ' no-video'}`} aria-label="You">
      <video ref={ref} autoPlay playsInline muted className="call-video mirrored" />
      {!showVideo && (
        <div className="call-tile-cover">
          <CallAvatar name={name} look={look} />
          {waiting && camOn && !focus && <span className="call-tile-state">Starting camera…</span>}
          {focus && <span className="call-tile-state">Focus</span>}
        </div>
      )}
      <figcaption className="call-name">
        {!micOn && (
          <span className="call-muted" title="Your microphone is off" aria-label="Microphone off">
            <MicIcon off size={13} />
          </span>
        )}
        <span className="call-name-text">You</span>
      </figcaption>
    </figure>
  );
}
