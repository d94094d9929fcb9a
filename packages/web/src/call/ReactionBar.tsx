import { memo, useRef, useState } from 'react';
import { REACTIONS, type Reaction } from '@metaoffice/protocol';
import { GearIcon } from './icons.js';
import './call.css';

const NAMES: Record<Reaction, string> = {
  '👋': 'Wave',
  '👍': 'Thumbs up',
  '❤️': 'Heart',
  '😂': 'Laugh',
  '🎉': 'Celebrate',
  '👏': 'Applause',
  '😮': 'Wow',
  '🙌': 'Raise hands',
};
/** Reactions are fun, not a flood: at most one per this interval from one person. */
const COOLDOWN_MS = 400;

/** The HUD dock at the bottom: reactions (a burst over my avatar that everyone around sees) and Devices. */
export const ReactionBar = memo(function ReactionBar({ onReact, onDevices, disabled }: { onReact(r: Reaction): void; onDevices(): void; disabled?: boolean }) {
  const last = useRef(0);
  const [pressed, setPressed] = useState<Reaction | null>(null);
  const react = (r: Reaction) => {
    const now = performance.now();
    if (now - last.current < COOLDOWN_MS) return;
    last.current = now;
    onReact(r);
    setPressed(r);
    setTimeout(() => setPressed((p) => (p === r ? null : p)), 300);
  };
  return (
    <div className="call-dock" role="toolbar" aria-label="Reactions and devices">
      <div className="reaction-row">
        {REACTIONS.map((r) => (
          <button
            key={r}
            type="button"
            className={`reaction-btn${pressed === r ? ' pressed' : ''}`}
            onClick={() => react(r)}
            disabled={disabled}
            aria-label={`React: ${NAMES[r]}`}
            title={NAMES[r]}
          >
            {r}
          </button>
        ))}
      </div>
      <span className="call-sep light" aria-hidden="true" />
      <button type="button" className="dock-btn" onClick={onDevices} aria-label="Devices" title="Camera, microphone and speaker">
        <GearIcon />
        <span className="dock-btn-text">Devices</span>
      </button>
    </div>
  );
});
