import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { AVATAR_LAYERS, AVATAR_PARTS, type AvatarLayer, type AvatarSpec } from '@metaoffice/maps/avatar';
import { AVATAR_FRAME, drawAvatarSheet } from '@metaoffice/maps/avatar-art';
import { api, describeError } from '../api.js';
import { useModalDialog } from '../help/modal.js';
import './avatar.css';

const DIRECTIONS = ['down', 'left', 'right', 'up'] as const;
/** The walk cycle shown in the preview: right foot, standing, left foot, standing. */
const WALK_CYCLE = [0, 1, 2, 1];
/** Layers chosen by colour swatch; the others by a small picture of the avatar wearing the option. */
const COLOUR_LAYERS: ReadonlySet<AvatarLayer> = new Set(['skin', 'hairColour', 'outfitColour']);

/** The avatar's sprite sheet as a canvas, for previews. */
function sheetCanvas(spec: AvatarSpec): HTMLCanvasElement {
  const sheet = drawAvatarSheet(spec);
  const canvas = document.createElement('canvas');
  canvas.width = sheet.width;
  canvas.height = sheet.height;
  canvas.getContext('2d')!.putImageData(new ImageData(sheet.data, sheet.width, sheet.height), 0, 0);
  return canvas;
}

/** One frame of a sheet, drawn scaled up with hard pixel edges. */
function drawFrame(target: HTMLCanvasElement, sheet: HTMLCanvasElement, row: number, column: number): void {
  const ctx = target.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, target.width, target.height);
  ctx.drawImage(sheet, column * AVATAR_FRAME, row * AVATAR_FRAME, AVATAR_FRAME, AVATAR_FRAME, 0, 0, target.width, target.height);
}

/** The avatar walking in all four directions, as the office will show it. */
function WalkingPreview({ spec }: { spec: AvatarSpec }) {
  const refs = useRef<(HTMLCanvasElement | null)[]>([]);
  useEffect(() => {
    const sheet = sheetCanvas(spec);
    let step = 0;
    const paint = () => {
      DIRECTIONS.forEach((_, row) => {
        const c = refs.current[row];
        if (c) drawFrame(c, sheet, row, WALK_CYCLE[step % WALK_CYCLE.length]!);
      });
      step++;
    };
    paint();
    // Respect reduced motion: a still, standing preview.
    if (matchMedia('(prefers-reduced-motion: reduce)').matches) return;
    const timer = setInterval(paint, 180);
    return () => clearInterval(timer);
  }, [spec]);
  return (
    <div className="avatar-preview" role="img" aria-label="Your avatar walking down, left, right and up">
      {DIRECTIONS.map((d, row) => (
        <canvas key={d} ref={(el) => void (refs.current[row] = el)} width={AVATAR_FRAME * 4} height={AVATAR_FRAME * 4} />
      ))}
    </div>
  );
}

/** A small standing picture of the avatar with one option chosen, for the option buttons. */
function OptionPicture({ spec }: { spec: AvatarSpec }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) drawFrame(ref.current, sheetCanvas(spec), 0, 1);
  }, [spec]);
  return <canvas ref={ref} width={AVATAR_FRAME * 2} height={AVATAR_FRAME * 2} aria-hidden="true" />;
}

/**
 * The avatar editor: skin, hair and its colour, outfit and its colour, eyes, glasses and a hat, with a preview that
 * walks in four directions. Saving applies it everywhere at once: the people in the office see the new avatar
 * without anyone reloading. Every choice is a radio group, so it works with the keyboard (arrows within a group,
 * Tab between groups) and reads well with a screen reader.
 */
export function AvatarEditor({ onClose, onSaved }: { onClose(): void; onSaved?(spec: AvatarSpec): void }) {
  const [spec, setSpec] = useState<AvatarSpec | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const onKeyDown = useModalDialog(dialogRef, onClose);

  useEffect(() => {
    let live = true;
    api.avatar().then(
      (s) => live && setSpec(s),
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  const choose = (layer: AvatarLayer, value: number) => setSpec((s) => (s ? { ...s, [layer]: value } : s));
  const surprise = () => {
    const next = {} as AvatarSpec;
    for (const layer of AVATAR_LAYERS) next[layer] = Math.floor(Math.random() * AVATAR_PARTS[layer].options.length);
    setSpec(next);
  };
  const save = async () => {
    if (!spec) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await api.saveAvatar(spec);
      onSaved?.(saved);
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSaving(false);
    }
  };

  return createPortal(
    <div className="dialog-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={dialogRef} className="dialog card avatar-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={onKeyDown} data-testid="avatar-editor">
        <h2 id={titleId}>Your avatar</h2>
        {!spec && !error && <p className="muted">Loading…</p>}
        {spec && (
          <div className="avatar-body">
            <WalkingPreview spec={spec} />
            <div className="avatar-layers">
              {AVATAR_LAYERS.map((layer) => (
                <LayerChoice key={layer} layer={layer} spec={spec} onChoose={(v) => choose(layer, v)} />
              ))}
            </div>
          </div>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={surprise} disabled={!spec}>
            Surprise me
          </button>
          <span style={{ flex: 1 }} />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" onClick={() => void save()} disabled={!spec || saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}

/** One layer's choices as a radio group: colour swatches, or small pictures of the avatar wearing each option. */
function LayerChoice({ layer, spec, onChoose }: { layer: AvatarLayer; spec: AvatarSpec; onChoose(value: number): void }) {
  const part = AVATAR_PARTS[layer];
  const labelId = useId();
  const swatches = COLOUR_LAYERS.has(layer);
  const current = spec[layer];
  const options = useMemo(() => part.options.map((o, i) => ({ ...o, i })), [part]);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  // Arrow keys move the choice within the group, as in any radio group; Tab leaves the group.
  const onKeyDown = (e: React.KeyboardEvent) => {
    const delta = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const next = (current + delta + options.length) % options.length;
    onChoose(next);
    refs.current[next]?.focus();
  };
  return (
    <div className="avatar-layer">
      <span id={labelId} className="avatar-layer-label">
        {part.label}: <span className="muted">{part.options[current]?.name}</span>
      </span>
      <div role="radiogroup" aria-labelledby={labelId} className={`avatar-options${swatches ? ' swatches' : ''}`} onKeyDown={onKeyDown}>
        {options.map((o) => (
          <button
            key={o.i}
            ref={(el) => void (refs.current[o.i] = el)}
            type="button"
            role="radio"
            aria-checked={current === o.i}
            aria-label={o.name}
            title={o.name}
            tabIndex={current === o.i ? 0 : -1}
            className={`avatar-option${current === o.i ? ' chosen' : ''}`}
            data-layer={layer}
            data-option={o.i}
            onClick={() => onChoose(o.i)}
            style={swatches ? { background: o.colour } : undefined}
          >
            {!swatches && <OptionPicture spec={{ ...spec, [layer]: o.i }} />}
          </button>
        ))}
      </div>
    </div>
  );
}


