// The shared avatar spritesheet (assets/avatars.png): 12 ready-made looks, each drawn by the same layered renderer
// people's own avatars use (src/avatar-art.ts), in 4 directions x 3 walk frames, laid out the way grid-engine's
// numeric walkingAnimationMapping expects.
import { AVATAR_LAYERS, AVATAR_PARTS, DEFAULT_AVATAR } from '../../src/avatar.js';
import { AVATAR_DIRECTIONS, AVATAR_WALK_FRAMES, drawAvatarFrame, resolveAvatarLook, type AvatarLook, type HairStyle } from '../../src/avatar-art.js';
import { Img } from './canvas.js';

export const FRAME = 32;
export const SHEET_COLUMNS = 12; // 4 looks per block row, 3 frames each
export const DIRECTIONS = AVATAR_DIRECTIONS;
export type Direction = (typeof DIRECTIONS)[number];
/**
 * Column order inside a look's 3-frame group. grid-engine reads, for character index L and direction row r,
 * frame g = rightFoot, g + 1 = standing, g + 2 = leftFoot.
 */
export const WALK_FRAMES = AVATAR_WALK_FRAMES;
export type WalkFrame = (typeof WALK_FRAMES)[number];

export interface Look {
  name: string;
  skin: string;
  hair: string;
  style: HairStyle;
  shirt: string;
  pants: string;
  shoes: string;
  glasses?: boolean;
  beard?: boolean;
}

export const LOOKS: readonly Look[] = [
  { name: 'Alex', skin: '#f2c9a0', hair: '#6b4226', style: 'short', shirt: '#4a7fd0', pants: '#39405a', shoes: '#2e2a2a' },
  { name: 'Maya', skin: '#d9a274', hair: '#231c1c', style: 'long', shirt: '#d9534f', pants: '#2f3550', shoes: '#3a2a22' },
  { name: 'Kofi', skin: '#8a5634', hair: '#1c1614', style: 'curly', shirt: '#e9b23f', pants: '#4a4036', shoes: '#ececec' },
  { name: 'Lena', skin: '#f6d2b4', hair: '#ecc65a', style: 'bob', shirt: '#4fa56a', pants: '#5a4a7a', shoes: '#2e2a2a' },
  { name: 'Priya', skin: '#c68a5e', hair: '#3a2418', style: 'bun', shirt: '#8e5bd0', pants: '#2d2d38', shoes: '#6b3a2a', glasses: true },
  { name: 'Sam', skin: '#6e4228', hair: '#1a1412', style: 'buzz', shirt: '#2fa3a0', pants: '#3b3f4a', shoes: '#2e2a2a', beard: true },
  { name: 'Nora', skin: '#f4cfae', hair: '#c8582a', style: 'ponytail', shirt: '#f08a4b', pants: '#36507a', shoes: '#f2f2f2' },
  { name: 'Kenji', skin: '#e8bd92', hair: '#1e1b22', style: 'spiky', shirt: '#7b8494', pants: '#272a33', shoes: '#c0392b' },
  { name: 'Ruth', skin: '#eec19a', hair: '#d8d8de', style: 'swept', shirt: '#34497a', pants: '#5b5048', shoes: '#3a2a22', glasses: true },
  { name: 'Amara', skin: '#5e3a24', hair: '#2a1a14', style: 'long', shirt: '#e07aa8', pants: '#f1e9da', shoes: '#6b3a2a' },
  { name: 'Jules', skin: '#f7d8c0', hair: '#b05fc4', style: 'bob', shirt: '#2f2f3a', pants: '#5a5f70', shoes: '#f2f2f2' },
  { name: 'Omar', skin: '#b27650', hair: '#221a16', style: 'short', shirt: '#f1f1ea', pants: '#3d4660', shoes: '#2e2a2a', beard: true },
];

/** A look as the renderer's parts: a T-shirt, round eyes, round glasses if any, no hat. */
export function lookParts(look: Look): AvatarLook {
  return {
    skin: look.skin,
    hair: look.hair,
    hairStyle: look.style,
    outfit: 'tshirt',
    outfitColour: look.shirt,
    pants: look.pants,
    shoes: look.shoes,
    eyes: 'round',
    glasses: look.glasses ? 'round' : 'none',
    hat: 'none',
    beard: look.beard === true,
  };
}

/** Frame index of look L, direction row r, walk frame f (see WALK_FRAMES for the column order). */
export function frameIndex(look: number, dirRow: number, f: number): number {
  return (Math.floor(look / 4) * 4 + dirRow) * SHEET_COLUMNS + (look % 4) * 3 + f;
}

export function buildAvatarSheet(): Img {
  const blockRows = Math.ceil(LOOKS.length / 4);
  const sheet = new Img(SHEET_COLUMNS * FRAME, blockRows * 4 * FRAME);
  LOOKS.forEach((look, L) => {
    const parts = lookParts(look);
    DIRECTIONS.forEach((dir, r) => {
      WALK_FRAMES.forEach((step, f) => {
        const i = frameIndex(L, r, f);
        sheet.copy(drawAvatarFrame(parts, dir, step), (i % SHEET_COLUMNS) * FRAME, Math.floor(i / SHEET_COLUMNS) * FRAME);
      });
    });
  });
  return sheet;
}

/**
 * Contact sheet of the avatar parts, for looking at the art: one row per option of each layer (the default avatar
 * wearing it), 12 frames across (down, left, right, up; right foot, standing, left foot), on a floor colour.
 */
export function buildAvatarPartsSheet(): Img {
  const cell = FRAME + 2;
  const rows = AVATAR_LAYERS.flatMap((layer) => AVATAR_PARTS[layer].options.map((_, i) => ({ ...DEFAULT_AVATAR, [layer]: i })));
  const sheet = new Img(12 * cell + 2, rows.length * cell + AVATAR_LAYERS.length * 4);
  sheet.rect(0, 0, sheet.w, sheet.h, '#d9d2c3');
  let y = 2;
  let layerIndex = 0;
  rows.forEach((spec, n) => {
    const layer = AVATAR_LAYERS[layerIndex]!;
    const look = resolveAvatarLook(spec);
    DIRECTIONS.forEach((dir, r) => WALK_FRAMES.forEach((step, f) => sheet.blit(drawAvatarFrame(look, dir, step), 2 + (r * 3 + f) * cell, y)));
    y += cell;
    if (spec[layer] === AVATAR_PARTS[layer].options.length - 1 && n < rows.length - 1) {
      sheet.hline(0, sheet.w - 1, y + 1, '#9a907e');
      y += 4;
      layerIndex++;
    }
  });
  return sheet;
}
