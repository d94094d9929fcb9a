import { useEffect, useId, useRef, useState } from 'react';
import type { AvPreferences } from '@metaoffice/protocol';
import { CallAvatar, type Face } from './Avatar.js';
import { VIDEO_CONSTRAINTS, type PrejoinMode } from './CallController.js';
import { CameraIcon, MicIcon, SpeakerIcon } from './icons.js';
import './call.css';

const canPickSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/**
 * The pre-join screen (first call ever) and the device settings (HUD "Devices"): speaker, microphone and camera,
 * a live preview with a microphone level meter, and what is on when a call starts. Its preview opens its own
 * stream and closes it when the dialog goes.
 */
export function PrejoinDialog({
  mode,
  prefs,
  callName,
  selfName,
  look,
  onSave,
  onCancel,
}: {
  mode: PrejoinMode;
  prefs: AvPreferences;
  callName: string | undefined;
  selfName: string;
  look: Face | undefined;
  onSave(p: AvPreferences): void;
  onCancel(): void;
}) {
  const [draft, setDraft] = useState<AvPreferences>(prefs);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [preview, setPreview] = useState<MediaStream | undefined>();
  const [error, setError] = useState<string | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const meterRef = useRef<HTMLSpanElement>(null);
  const titleId = useId();
  const joinRef = useRef<HTMLButtonElement>(null);

  useEffect(() => joinRef.current?.focus(), []);

  // The preview stream follows the chosen devices; the camera only when it is to be on.
  useEffect(() => {
    let live = true;
    let stream: MediaStream | undefined;
    const audio: MediaTrackConstraints = draft.microphoneId ? { deviceId: { exact: draft.microphoneId } } : {};
    const video: MediaTrackConstraints | false = draft.cameraOnByDefault ? { ...VIDEO_CONSTRAINTS, ...(draft.cameraId ? { deviceId: { exact: draft.cameraId } } : {}) } : false;
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio, video });
        if (!live) return stream.getTracks().forEach((t) => t.stop());
        setPreview(stream);
        setError(null);
      } catch (err) {
        if (!live) return;
        setPreview(undefined);
        const name = (err as { name?: string }).name;
        setError(
          name === 'NotAllowedError'
            ? 'The browser blocks the camera and microphone for this site. Allow them in the site settings, then reopen this.'
            : name === 'NotFoundError' || name === 'OverconstrainedError'
              ? 'That device was not found. Pick another one.'
              : name === 'NotReadableError'
                ? 'The device is in use by another app.'
                : 'The camera or microphone could not be started.',
        );
      }
      // Device names are only readable once access was granted.
      const list = await navigator.mediaDevices.enumerateDevices().catch(() => []);
      if (live) setDevices(list);
    })();
    return () => {
      live = false;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [draft.microphoneId, draft.cameraId, draft.cameraOnByDefault]);

  useEffect(() => {
    const v = videoRef.current;
    if (!v) return;
    v.muted = true;
    v.srcObject = preview ?? null;
    if (preview) void v.play().catch(() => undefined);
  }, [preview]);

  // Microphone level, drawn straight into the meter without re-rendering.
  useEffect(() => {
    const track = preview?.getAudioTracks()[0];
    if (!track) return;
    let ctx: AudioContext | undefined;
    let raf = 0;
    try {
      ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 512;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      let level = 0;
      const tick = () => {
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        level = Math.max(Math.sqrt(sum / buf.length), level * 0.85);
        if (meterRef.current) meterRef.current.style.transform = `scaleX(${Math.min(1, level * 5).toFixed(3)})`;
        raf = requestAnimationFrame(tick);
      };
      void ctx.resume().catch(() => undefined);
      tick();
    } catch {
      /* no Web Audio: no meter */
    }
    return () => {
      cancelAnimationFrame(raf);
      void ctx?.close().catch(() => undefined);
    };
  }, [preview]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && mode === 'settings') onCancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [mode, onCancel]);

  const of = (kind: MediaDeviceKind) => devices.filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications');
  const cameras = of('videoinput');
  const mics = of('audioinput');
  const speakers = of('audiooutput');
  const hasVideo = !!preview?.getVideoTracks().length;
  const set = (patch: Partial<AvPreferences>) => setDraft((d) => ({ ...d, ...patch }));

  return (
    <div className="dialog-backdrop prejoin-backdrop" onPointerDown={(e) => e.target === e.currentTarget && mode === 'settings' && onCancel()}>
      <div className="dialog card prejoin" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId}>{mode === 'call' ? 'Ready to join?' : 'Audio and video'}</h2>
        <p className="muted prejoin-lead">
          {mode === 'call'
            ? `${callName ? `${callName} is starting. ` : ''}Check your camera and microphone. You only see this once; change it later under Devices.`
            : 'Choose the devices for calls and what is on when a call starts.'}
        </p>
        <div className="prejoin-grid">
          <div className="prejoin-preview">
            <video ref={videoRef} autoPlay playsInline muted className={`call-video mirrored${hasVideo ? '' : ' hidden'}`} />
            {!hasVideo && (
              <div className="call-tile-cover">
                <CallAvatar name={selfName} look={look} size={72} />
                <span className="call-tile-state">{draft.cameraOnByDefault ? (error ? 'No camera' : 'Starting camera…') : 'Camera is off'}</span>
              </div>
            )}
            <div className="prejoin-toggles">
              <button
                type="button"
                className={`call-btn${draft.micOnByDefault ? '' : ' off'}`}
                onClick={() => set({ micOnByDefault: !draft.micOnByDefault })}
                aria-pressed={!draft.micOnByDefault}
                aria-label={draft.micOnByDefault ? 'Join with microphone off' : 'Join with microphone on'}
                title={draft.micOnByDefault ? 'Microphone on' : 'Microphone off'}
              >
                <MicIcon off={!draft.micOnByDefault} />
              </button>
              <button
                type="button"
                className={`call-btn${draft.cameraOnByDefault ? '' : ' off'}`}
                onClick={() => set({ cameraOnByDefault: !draft.cameraOnByDefault })}
                aria-pressed={!draft.cameraOnByDefault}
                aria-label={draft.cameraOnByDefault ? 'Join with camera off' : 'Join with camera on'}
                title={draft.cameraOnByDefault ? 'Camera on' : 'Camera off'}
              >
                <CameraIcon off={!draft.cameraOnByDefault} />
              </button>
            </div>
          </div>
          <div className="prejoin-fields">
            <label className="prejoin-field">
              <span className="prejoin-label">
                <CameraIcon size={15} /> Camera
              </span>
              <select value={draft.cameraId ?? ''} onChange={(e) => set({ cameraId: e.target.value || null })}>
                <option value="">System default</option>
                {cameras.map((d, i) => (
                  <option key={d.deviceId} value={d.deviceId}>
                    {d.label || `Camera ${i + 1}`}
                  </option>
                ))}
              </select>
            </label>
            <label className="prejoin-field">
              <span className="prejoin-label">
                <MicIcon size={15} /> Microphone
              </span>
              <select value={draft.microphoneId ?? ''} onChange={(e) => set({ microphoneId: e.target.value || null })}>
                <option value="">System default</option>
                {mics.map((d, i) => (
                  <option key={d.deviceId} value={d.deviceId}>
                    {d.label || `Microphone ${i + 1}`}
                  </option>
                ))}
              </select>
              <span className="mic-meter" aria-hidden="true">
                <span ref={meterRef} />
              </span>
            </label>
            <label className="prejoin-field">
              <span className="prejoin-label">
                <SpeakerIcon size={15} /> Speaker
              </span>
              <select
                value={draft.speakerId ?? ''}
                onChange={(e) => set({ speakerId: e.target.value || null })}
                disabled={!canPickSpeaker}
                title={canPickSpeaker ? undefined : 'This browser always plays calls on the system speaker'}
              >
                <option value="">System default</option>
                {canPickSpeaker &&
                  speakers.map((d, i) => (
                    <option key={d.deviceId} value={d.deviceId}>
                      {d.label || `Speaker ${i + 1}`}
                    </option>
                  ))}
              </select>
            </label>
            <label className="prejoin-check">
              <input type="checkbox" checked={draft.micOnByDefault} onChange={(e) => set({ micOnByDefault: e.target.checked })} />
              Microphone on by default
            </label>
            <label className="prejoin-check">
              <input type="checkbox" checked={draft.cameraOnByDefault} onChange={(e) => set({ cameraOnByDefault: e.target.checked })} />
              Camera on by default
            </label>
          </div>
        </div>
        {error && (
          <p className="prejoin-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          {mode === 'settings' && (
            <button type="button" className="btn" onClick={onCancel}>
              Cancel
            </button>
          )}
          <button type="button" ref={joinRef} className="btn primary" data-testid="prejoin-join" onClick={() => onSave({ ...draft, prejoinDone: true })}>
            {mode === 'call' ? 'Join now' : 'Save'}
          </button>
        </div>
      </div>
    </div>
  );
}
