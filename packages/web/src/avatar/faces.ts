import type { CSSProperties } from 'react';
import type { AvatarSpecView } from '@metaoffice/protocol';
import { avatarKey } from '@metaoffice/maps/avatar';
import { AVATAR_FRAME, drawAvatarSheet } from '@metaoffice/maps/avatar-art';
import { avatarFaceStyle } from '../office/presence.js';

/** Standing-down frames of layered avatars as PNG data URLs, one per distinct set of choices. */
const frames = new Map<string, string>();

function standingFrame(spec: AvatarSpecView): string {
  const key = avatarKey(spec);
  let url = frames.get(key);
  if (!url) {
    const sheet = drawAvatarSheet(spec);
    const canvas = document.createElement('canvas');
    canvas.width = AVATAR_FRAME;
    canvas.height = AVATAR_FRAME;
    // Column 1 of row 0 is standing, facing down: the face.
    const frame = new ImageData(AVATAR_FRAME, AVATAR_FRAME);
    for (let y = 0; y < AVATAR_FRAME; y++) {
      const from = (y * sheet.width + AVATAR_FRAME) * 4;
      frame.data.set(sheet.data.subarray(from, from + AVATAR_FRAME * 4), y * AVATAR_FRAME * 4);
    }
    canvas.getContext('2d')!.putImageData(frame, 0, 0);
    url = canvas.toDataURL('image/png');
    frames.set(key, url);
  }
  return url;
}

/** CSS for a person's face in lists (People panel, call tiles): their layered avatar when known, else their look. */
export function faceStyle(person: { look: number; avatar?: AvatarSpecView | undefined }): CSSProperties {
  if (!person.avatar) return avatarFaceStyle(person.look);
  return { backgroundImage: `url(${standingFrame(person.avatar)})`, backgroundPosition: '0 0' };
}
