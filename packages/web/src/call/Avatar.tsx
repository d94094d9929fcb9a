import type { AvatarSpecView } from '@metaoffice/protocol';
import { Initials } from '../components.js';
import { faceStyle } from '../avatar/faces.js';

/** Who a tile shows: a ready-made look, and the layered avatar when known. */
export type Face = { look: number; avatar?: AvatarSpecView | undefined };

/**
 * What a tile shows instead of black when a camera is off: the person's pixel avatar on a soft disc (or their
 * initials when the look is unknown).
 */
export function CallAvatar({ name, look, size = 64 }: { name: string; look: Face | undefined; size?: number }) {
  if (look === undefined) {
    return (
      <span className="call-avatar initials-only" style={{ width: size, height: size }}>
        <Initials name={name} />
      </span>
    );
  }
  const scale = Math.max(1, Math.floor((size * 0.9) / 32));
  return (
    <span className="call-avatar" style={{ width: size, height: size }} aria-hidden="true">
      <span className="call-avatar-sprite" style={{ ...faceStyle(look), transform: `scale(${scale})` }} />
    </span>
  );
}
