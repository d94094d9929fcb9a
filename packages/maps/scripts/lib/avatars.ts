// Avatar spritesheet: each look is drawn procedurally from a few parts (skin, hair style, clothes),
// in 4 directions x 3 walk frames, laid out the way grid-engine's numeric walkingAnimationMapping expects.
import { Img, shade, withAlpha, type Colour } from './canvas.js';

export const FRAME = 32;
export const SHEET_COLUMNS = 12; // 4 looks per block row, 3 frames each
export const DIRECTIONS = ['down', 'left', 'right', 'up'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/**
 * Column order inside a look's 3-frame group. grid-engine reads, for character index L and direction row r,
 * frame g = rightFoot, g + 1 = standing, g + 2 = leftFoot.
 */
export const WALK_FRAMES = ['rightFoot', 'standing', 'leftFoot'] as const;
export type WalkFrame = (typeof WALK_FRAMES)[number];

type HairStyle = 'short' | 'long' | 'curly' | 'bob' | 'bun' | 'buzz' | 'ponytail' | 'spiky' | 'swept';

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

const INK = '#2b2233';
const EYE = '#2b2233';

/** Skull mask, 16 wide x 15 tall. */
const SKULL = [
  '....########....',
  '..############..',
  '.##############.',
  '.##############.',
  '################',
  '################',
  '################',
  '################',
  '################',
  '################',
  '################',
  '.##############.',
  '.##############.',
  '..############..',
  '....########....',
];
const HEAD_X = 8;
const HEAD_Y = 3;
const inSkull = (c: number, r: number): boolean => SKULL[r]?.[c] === '#';

interface HairShape {
  /** Down view: hair covers face rows r < fringe(c). */
  fringe: (c: number) => number;
  /** Down view: rows covered on the outermost `sideW` columns. */
  side: number;
  sideW: number;
  /** Pixels of volume added around the top of the head. */
  volume: number;
  /** Left view: rows covered from the back of the head (columns >= 7). */
  back: number;
  /** Up view: rows covered. */
  nape: number;
  /** Extra length below the skull (long hair), in px. */
  long: number;
}

function shapeOf(style: HairStyle): HairShape {
  switch (style) {
    case 'short':
      return { fringe: (c) => (c < 9 ? 5 : 4), side: 8, sideW: 2, volume: 1, back: 11, nape: 12, long: 0 };
    case 'swept':
      return { fringe: (c) => (c < 6 ? 3 : c < 11 ? 4 : 5), side: 8, sideW: 2, volume: 1, back: 11, nape: 12, long: 0 };
    case 'long':
      return { fringe: (c) => (c === 7 || c === 8 ? 3 : c < 7 ? 5 : 4), side: 15, sideW: 3, volume: 1, back: 15, nape: 15, long: 7 };
    case 'bob':
      return { fringe: () => 5, side: 13, sideW: 3, volume: 1, back: 13, nape: 13, long: 0 };
    case 'curly':
      return { fringe: (c) => (c % 3 === 0 ? 5 : 4), side: 9, sideW: 2, volume: 2, back: 12, nape: 13, long: 0 };
    case 'bun':
      return { fringe: (c) => (c < 8 ? 4 : 3), side: 8, sideW: 1, volume: 0, back: 11, nape: 12, long: 0 };
    case 'buzz':
      return { fringe: () => 3, side: 6, sideW: 1, volume: 0, back: 9, nape: 10, long: 0 };
    case 'ponytail':
      return { fringe: (c) => (c < 11 ? 4 : 3), side: 9, sideW: 2, volume: 0, back: 11, nape: 12, long: 0 };
    case 'spiky':
      return { fringe: (c) => (c % 4 === 1 ? 6 : 4), side: 8, sideW: 2, volume: 1, back: 11, nape: 12, long: 0 };
  }
}

/** Draws into a transparent 32x32 image; `bob` shifts head and torso down 1 px on step frames. */
function drawFrame(look: Look, dir: Direction, step: WalkFrame): Img {
  const img = new Img(FRAME, FRAME);
  const skinS = shade(look.skin, -0.18);
  const hairS = shade(look.hair, -0.28);
  const hairL = shade(look.hair, 0.3);
  const shirtS = shade(look.shirt, -0.2);
  const shirtL = shade(look.shirt, 0.18);
  const pantsS = shade(look.pants, -0.25);
  const side = dir === 'left' || dir === 'right';
  const walking = step !== 'standing';
  const bob = walking ? 1 : 0;
  const shape = shapeOf(look.style);

  // ---- legs and shoes
  if (!side) {
    // Which screen-side leg lifts: facing down the sprite's left foot is on screen right.
    const liftRight = (step === 'leftFoot') === (dir === 'down');
    for (const [x0, lifted] of [
      [11, walking && !liftRight],
      [16, walking && liftRight],
    ] as const) {
      const lift = lifted ? 2 : 0;
      img.rect(x0, 24, 5, 5 - lift, look.pants);
      img.vline(x0 + 4, 24, 28 - lift, pantsS);
      img.rect(x0, 29 - lift, 5, 2, look.shoes);
      img.hline(x0, x0 + 4, 29 - lift, shade(look.shoes, 0.25));
    }
    img.vline(15, 26, 28, pantsS);
  } else {
    if (!walking) {
      img.rect(13, 24, 6, 5, look.pants);
      img.vline(16, 26, 28, pantsS);
      img.rect(12, 29, 7, 2, look.shoes);
      img.hline(12, 18, 29, shade(look.shoes, 0.25));
    } else {
      // Stride: one leg forward (toward the facing side), one back. Draw for facing left, mirror later.
      const forward = step === 'leftFoot' ? 0 : 1;
      const legs = forward === 0 ? [[10, 17]] : [[11, 16]];
      const [fx, bx] = legs[0]!;
      img.rect(bx!, 24, 5, 4, pantsS);
      img.rect(bx! + 1, 28, 4, 1, pantsS);
      img.rect(bx! + 1, 29, 5, 2, shade(look.shoes, -0.2));
      img.rect(fx!, 24, 5, 5, look.pants);
      img.rect(fx! - 1, 29, 6, 2, look.shoes);
      img.hline(fx! - 1, fx! + 4, 29, shade(look.shoes, 0.25));
    }
  }

  // ---- torso and arms
  const ty = 17 + bob;
  if (!side) {
    img.rect(10, ty, 12, 8, look.shirt);
    img.vline(10, ty, ty + 7, shirtL);
    img.vline(21, ty, ty + 7, shirtS);
    img.hline(10, 21, ty + 7, shirtS);
    if (dir === 'down') {
      // Collar: a small V of skin.
      img.hline(14, 17, ty, look.skin);
      img.hline(15, 16, ty + 1, look.skin);
      img.put(13, ty, shirtL);
      img.put(18, ty, shirtL);
    }
    // Arms swing a pixel opposite to the lifted leg.
    const swingL = walking ? (step === 'leftFoot' ? -1 : 1) : 0;
    for (const [ax, sw] of [
      [8, swingL],
      [22, -swingL],
    ] as const) {
      const ay = ty + 1 + (sw > 0 ? 1 : 0);
      img.rect(ax, ay, 2, 5, sw < 0 ? shirtS : look.shirt);
      img.vline(ax + (ax < 16 ? 0 : 1), ay, ay + 4, ax < 16 ? shirtL : shirtS);
      img.rect(ax, ay + 5, 2, 2, look.skin);
      img.put(ax + (ax < 16 ? 0 : 1), ay + 6, skinS);
    }
  } else {
    img.rect(12, ty, 8, 8, look.shirt);
    img.vline(12, ty, ty + 7, shirtL);
    img.vline(19, ty, ty + 7, shirtS);
    img.hline(12, 19, ty + 7, shirtS);
    // One arm, swinging along the stride (facing left; mirrored for right).
    const off = walking ? (step === 'leftFoot' ? -2 : 2) : 0;
    const ax = 14 + off;
    img.rect(ax, ty + 1, 4, 5, shirtS);
    img.rect(ax + 1, ty + 1, 2, 5, look.shirt);
    img.rect(ax, ty + 6, 3, 2, look.skin);
    img.put(ax + 2, ty + 7, skinS);
  }

  // ---- head
  const hx = HEAD_X;
  const hy = HEAD_Y + bob;
  for (let r = 0; r < SKULL.length; r++) {
    for (let c = 0; c < 16; c++) {
      if (!inSkull(c, r)) continue;
      const edge = !inSkull(c + 1, r) || !inSkull(c, r + 1);
      img.put(hx + c, hy + r, edge ? skinS : look.skin);
    }
  }
  if (dir === 'down' || dir === 'up') {
    img.rect(hx - 1, hy + 8, 1, 2, skinS);
    img.rect(hx + 16, hy + 8, 1, 2, skinS);
  }
  if (dir === 'down') {
    // Eyes: 2x2 with a catch-light, which reads as "awake" at 32 px.
    for (const ex of [hx + 4, hx + 10]) {
      img.rect(ex, hy + 8, 2, 2, EYE);
      img.put(ex + 1, hy + 8, '#ffffff');
    }
    img.put(hx + 2, hy + 10, withAlpha('#ff7b7b', 110));
    img.put(hx + 3, hy + 10, withAlpha('#ff7b7b', 80));
    img.put(hx + 13, hy + 10, withAlpha('#ff7b7b', 110));
    img.put(hx + 12, hy + 10, withAlpha('#ff7b7b', 80));
    img.hline(hx + 7, hx + 8, hy + 11, shade(look.skin, -0.35));
    if (look.beard) {
      for (let r = 10; r < 15; r++) for (let c = 1; c < 15; c++) if (inSkull(c, r) && (r >= 12 || c <= 2 || c >= 13)) img.put(hx + c, hy + r, hairS);
      img.hline(hx + 6, hx + 9, hy + 11, shade(look.skin, -0.35));
      img.hline(hx + 6, hx + 9, hy + 12, look.skin);
    }
    if (look.glasses) {
      img.box(hx + 2, hy + 7, 5, 4, INK);
      img.box(hx + 9, hy + 7, 5, 4, INK);
      img.hline(hx + 7, hx + 8, hy + 8, INK);
      img.rect(hx + 3, hy + 8, 3, 2, withAlpha('#ffffff', 70));
      img.rect(hx + 10, hy + 8, 3, 2, withAlpha('#ffffff', 70));
      for (const ex of [hx + 4, hx + 10]) {
        img.rect(ex, hy + 8, 2, 2, EYE);
        img.put(ex + 1, hy + 8, '#ffffff');
      }
    }
  }
  if (side) {
    // Facing left: eye near the front, ear in the middle, a bit of nose.
    img.rect(hx + 2, hy + 8, 2, 2, EYE);
    img.put(hx + 2, hy + 8, '#ffffff');
    img.put(hx + 2, hy + 10, withAlpha('#ff7b7b', 110));
    img.put(hx - 1, hy + 9, look.skin);
    img.put(hx - 1, hy + 10, skinS);
    if (look.beard) {
      for (let r = 10; r < 15; r++) for (let c = 0; c < 9; c++) if (inSkull(c, r) && (r >= 12 || c >= 6)) img.put(hx + c, hy + r, hairS);
    }
    if (look.glasses) {
      img.box(hx + 1, hy + 7, 4, 4, INK);
      img.hline(hx + 5, hx + 8, hy + 8, INK);
      img.rect(hx + 2, hy + 8, 2, 2, EYE);
      img.put(hx + 2, hy + 8, '#ffffff');
    }
  }

  // ---- hair
  const hairPx = new Map<string, Colour>();
  const setHair = (c: number, r: number, col: Colour = look.hair): void => {
    hairPx.set(`${c},${r}`, col);
  };
  const v = shape.volume;
  // Volume: a rim around the upper skull.
  for (let r = -v; r < 9; r++) {
    for (let c = -v; c < 16 + v; c++) {
      if (inSkull(c, r)) continue;
      let near = false;
      for (let dy = -v; dy <= v && !near; dy++) for (let dx = -v; dx <= v && !near; dx++) if (Math.abs(dx) + Math.abs(dy) <= v && inSkull(c + dx, r + dy)) near = true;
      if (near && r < 8 - (dir === 'down' ? 2 : 0)) setHair(c, r);
    }
  }
  for (let r = 0; r < SKULL.length; r++) {
    for (let c = 0; c < 16; c++) {
      if (!inSkull(c, r)) continue;
      let covered = false;
      if (dir === 'down') covered = r < shape.fringe(c) || ((c < shape.sideW || c >= 16 - shape.sideW) && r < shape.side);
      else if (dir === 'up') covered = r < shape.nape;
      else covered = (c >= 7 && r < shape.back) || r < Math.min(shape.fringe(2), 5) || (c >= 5 && r < 6);
      if (covered) setHair(c, r);
    }
  }
  if (shape.long > 0) {
    const bottom = 15 + shape.long;
    if (dir === 'down') {
      for (let r = 6; r < bottom; r++) {
        for (const c of [-1, 0, 1, 14, 15, 16]) setHair(c, r);
      }
    } else if (dir === 'up') {
      for (let r = 8; r < bottom; r++) for (let c = r > 14 ? 1 : 0; c < (r > 14 ? 15 : 16); c++) setHair(c, r);
    } else {
      for (let r = 6; r < bottom; r++) for (let c = 8; c < (r > 13 ? 15 : 17); c++) setHair(c, r);
    }
  }
  if (look.style === 'bun') {
    const bx = dir === 'left' || dir === 'right' ? 10 : 5;
    const by = dir === 'down' ? -4 : -3;
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) if ((c - 2.5) ** 2 / 9 + (r - 2.5) ** 2 / 9 <= 1) setHair(bx + c, by + r);
  }
  if (look.style === 'ponytail' && dir !== 'down') {
    if (dir === 'up') {
      for (let r = 10; r < 19; r++) for (let c = 6; c < 10; c++) setHair(c, r);
      for (const c of [6, 7, 8, 9]) setHair(c, 9, '#e05a7a');
    } else {
      for (let r = 4; r < 14; r++) for (let c = 15; c < 18 + (r > 6 && r < 11 ? 1 : 0); c++) setHair(c, r);
      setHair(15, 6, '#e05a7a');
      setHair(15, 7, '#e05a7a');
    }
  }
  if (look.style === 'spiky') {
    // Tufts leaning the same way, attached to the volume rim (the frame's top edge is 2 px above).
    for (const c of [1, 5, 9, 12]) {
      setHair(c, -2);
      setHair(c + 1, -2);
      setHair(c + 2, -2);
      setHair(c + 2, -3);
      setHair(c + 3, -3);
    }
  }
  if (look.style === 'curly') {
    // Bumpy silhouette: small curls sitting on the rim.
    for (const c of [1, 5, 9, 13]) {
      setHair(c, -3);
      setHair(c + 1, -3);
    }
  }
  // Shade: bottom and right edges of the hair mass darker, a short shine on top.
  for (const [key, col] of hairPx) {
    const [c, r] = key.split(',').map(Number) as [number, number];
    let colour: Colour = col;
    if (col === look.hair) {
      const below = hairPx.has(`${c},${r + 1}`);
      const right = hairPx.has(`${c + 1},${r}`);
      if (!below || !right) colour = hairS;
      if (look.style === 'curly' && (c * 3 + r * 5) % 7 === 0) colour = hairS;
      const above = hairPx.has(`${c},${r - 1}`) && hairPx.has(`${c},${r - 2}`) && !hairPx.has(`${c},${r - 3}`);
      if (above && c >= (dir === 'up' ? 5 : 3) && c <= (dir === 'up' ? 9 : 6)) colour = hairL;
    }
    img.put(hx + c, hy + r, colour);
  }

  if (side && shape.long === 0 && look.style !== 'bob') {
    // The ear shows through short hair.
    img.rect(hx + 8, hy + 8, 2, 3, look.skin);
    img.put(hx + 9, hy + 10, skinS);
    img.put(hx + 8, hy + 9, shade(look.skin, -0.3));
    img.put(hx + 10, hy + 8, hairS);
  }

  // ---- outline, mirror, shadow
  img.outline(INK);
  const sprite = dir === 'right' ? img.flipX() : img;
  const out = new Img(FRAME, FRAME);
  out.ellipse(8, 28, 16, 4, withAlpha('#000000', 70));
  out.blit(sprite, 0, 0);
  return out;
}

/** Frame index of look L, direction row r, walk frame f (see WALK_FRAMES for the column order). */
export function frameIndex(look: number, dirRow: number, f: number): number {
  return (Math.floor(look / 4) * 4 + dirRow) * SHEET_COLUMNS + (look % 4) * 3 + f;
}

export function buildAvatarSheet(): Img {
  const blockRows = Math.ceil(LOOKS.length / 4);
  const sheet = new Img(SHEET_COLUMNS * FRAME, blockRows * 4 * FRAME);
  LOOKS.forEach((look, L) => {
    DIRECTIONS.forEach((dir, r) => {
      WALK_FRAMES.forEach((step, f) => {
        const i = frameIndex(L, r, f);
        sheet.copy(drawFrame(look, dir, step), (i % SHEET_COLUMNS) * FRAME, Math.floor(i / SHEET_COLUMNS) * FRAME);
      });
    });
  });
  return sheet;
}
