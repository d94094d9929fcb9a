import { useEffect, useRef } from 'react';
import nipplejs from 'nipplejs';
import type { Direction } from '@metaoffice/protocol';

/** Below this push (0..1) the stick is treated as centred, so a resting thumb does not walk. */
const DEAD_ZONE = 0.3;

/** The touch joystick, bottom-left. It reports one of the four walking directions, or null when released. */
export function Joystick({ onDirection }: { onDirection(dir: Direction | null): void }) {
  const zone = useRef<HTMLDivElement>(null);
  const report = useRef(onDirection);
  report.current = onDirection;

  useEffect(() => {
    const el = zone.current;
    if (!el) return;
    const stick = nipplejs.create({
      zone: el,
      mode: 'static',
      position: { left: '50%', top: '50%' },
      size: 110,
      color: { front: 'rgba(255,255,255,0.9)', back: 'rgba(40,38,60,0.45)' },
      restOpacity: 0.6,
    });
    let last: Direction | null = null;
    const set = (dir: Direction | null) => {
      if (dir === last) return;
      last = dir;
      report.current(dir);
    };
    stick.on('move', (evt) => {
      const { vector, force } = evt.data;
      if (force < DEAD_ZONE) return set(null);
      // The tile grid has four directions: the stronger axis wins. nipplejs' y axis points up.
      if (Math.abs(vector.x) > Math.abs(vector.y)) set(vector.x > 0 ? 'right' : 'left');
      else set(vector.y > 0 ? 'up' : 'down');
    });
    stick.on('end', () => set(null));
    return () => {
      set(null);
      stick.destroy();
    };
  }, []);

  return <div className="joystick-zone" ref={zone} aria-hidden="true" />;
}
