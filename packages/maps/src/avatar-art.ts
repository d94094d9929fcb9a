// Draws avatars: a person's AvatarSpec (avatar.ts) becomes a 32x32-frame walking spritesheet, one layer at a time
// (legs and shoes, outfit, head, eyes, hair, glasses, hat; then outline, mirror and shadow). Browser-safe: no Node
// imports, so the web app draws with it (into a canvas, for Phaser) and the generator draws the shared
// `assets/avatars.png` looks with it too (scripts/lib/avatars.ts). Deterministic: the same choices, the same bytes.
import { AVATAR_PARTS, DEFAULT_AVATAR, type AvatarLayer, type AvatarSpec } from './avatar.js';
import { Img, mix, shade, withAlpha, type Colour } from './pixel-raster.js';

export const AVATAR_FRAME = 32;
/** A spec's sheet: 3 columns (the walk frames, AVATAR_WALK_FRAMES) x 4 rows (the directions, AVATAR_DIRECTIONS). */
export const AVATAR_SHEET_COLUMNS = 3;
export const AVATAR_SHEET_ROWS = 4;

export const AVATAR_DIRECTIONS = ['down', 'left', 'right', 'up'] as const;
export type AvatarDirection = (typeof AVATAR_DIRECTIONS)[number];
/** Column order, as grid-engine reads a 3-frame group: right foot forward, standing, left foot forward. */
export const AVATAR_WALK_FRAMES = ['rightFoot', 'standing', 'leftFoot'] as const;
export type AvatarWalkFrame = (typeof AVATAR_WALK_FRAMES)[number];

/** Frame number in a spec's sheet of direction row `dirRow` (0 down, 1 left, 2 right, 3 up) and column `frame`. */
export function avatarFrameIndex(dirRow: number, frame: number): number {
  return dirRow * AVATAR_SHEET_COLUMNS + frame;
}

export interface AvatarFrameRow {
  readonly leftFoot: number;
  readonly standing: number;
  readonly rightFoot: number;
}

function frameRow(dirRow: number): AvatarFrameRow {
  return Object.freeze({ rightFoot: avatarFrameIndex(dirRow, 0), standing: avatarFrameIndex(dirRow, 1), leftFoot: avatarFrameIndex(dirRow, 2) });
}

/** grid-engine's `walkingAnimationMapping` for a sheet from drawAvatarSheet (assignable to its WalkingAnimationMapping). */
export const AVATAR_WALKING_MAPPING: Readonly<Record<'up' | 'down' | 'left' | 'right', AvatarFrameRow>> = Object.freeze({
  down: frameRow(0),
  left: frameRow(1),
  right: frameRow(2),
  up: frameRow(3),
});

// ---- parts, in the order of AVATAR_PARTS' options (avatar.ts); the tests hold the lengths equal

export const HAIR_STYLES = ['short', 'long', 'curly', 'bob', 'bun', 'buzz', 'ponytail', 'spiky', 'swept'] as const;
export type HairStyle = (typeof HAIR_STYLES)[number];
export const OUTFIT_STYLES = ['tshirt', 'hoodie', 'shirt-tie', 'sweater', 'jacket', 'dress', 'overalls', 'polo'] as const;
export type OutfitStyle = (typeof OUTFIT_STYLES)[number];
export const EYE_STYLES = ['round', 'smiling', 'sleepy', 'wide'] as const;
export type EyeStyle = (typeof EYE_STYLES)[number];
export const GLASSES_STYLES = ['none', 'round', 'square', 'sunglasses'] as const;
export type GlassesStyle = (typeof GLASSES_STYLES)[number];
export const HAT_STYLES = ['none', 'cap', 'beanie', 'bucket', 'headphones'] as const;
export type HatStyle = (typeof HAT_STYLES)[number];

/** Everything the renderer needs, as colours and part names (a spec resolved, or one of the generator's looks). */
export interface AvatarLook {
  skin: Colour;
  hair: Colour;
  hairStyle: HairStyle;
  outfit: OutfitStyle;
  outfitColour: Colour;
  pants: Colour;
  shoes: Colour;
  eyes: EyeStyle;
  glasses: GlassesStyle;
  hat: HatStyle;
  /** Not a spec layer (yet); the generator's looks use it. */
  beard?: boolean;
}

const PANTS = '#39405a';
/** Trousers for dark tops, so the two don't run together. */
const PANTS_UNDER_DARK = '#6f6658';
const SHOES = '#2e2a2a';

function luminance(c: Colour): number {
  const [r, g, b] = shade(c, 0);
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

/** A spec as colours and part names. A choice out of range falls back to DEFAULT_AVATAR's (parseAvatarSpec rejects those). */
export function resolveAvatarLook(spec: AvatarSpec): AvatarLook {
  const index = (layer: AvatarLayer): number => {
    const n = spec[layer];
    return Number.isInteger(n) && n >= 0 && n < AVATAR_PARTS[layer].options.length ? n : DEFAULT_AVATAR[layer];
  };
  const colour = (layer: AvatarLayer): string => AVATAR_PARTS[layer].options[index(layer)]!.colour!;
  const outfitColour = colour('outfitColour');
  return {
    skin: colour('skin'),
    hair: colour('hairColour'),
    hairStyle: HAIR_STYLES[index('hair')]!,
    outfit: OUTFIT_STYLES[index('outfit')]!,
    outfitColour,
    pants: luminance(outfitColour) < 0.3 ? PANTS_UNDER_DARK : PANTS,
    shoes: SHOES,
    eyes: EYE_STYLES[index('eyes')]!,
    glasses: GLASSES_STYLES[index('glasses')]!,
    hat: HAT_STYLES[index('hat')]!,
  };
}

export interface AvatarPixels {
  width: number;
  height: number;
  /** RGBA, row by row: `new ImageData(data, width, height)`. */
  data: Uint8ClampedArray<ArrayBuffer>;
}

const pixels = (img: Img): AvatarPixels => ({ width: img.w, height: img.h, data: new Uint8ClampedArray(img.data) });

/** The look's 3x4-frame walking sheet (see AVATAR_WALKING_MAPPING) as a raster. */
export function drawAvatarLookSheet(look: AvatarLook): Img {
  const sheet = new Img(AVATAR_SHEET_COLUMNS * AVATAR_FRAME, AVATAR_SHEET_ROWS * AVATAR_FRAME);
  AVATAR_DIRECTIONS.forEach((dir, r) => {
    AVATAR_WALK_FRAMES.forEach((step, f) => sheet.copy(drawAvatarFrame(look, dir, step), f * AVATAR_FRAME, r * AVATAR_FRAME));
  });
  return sheet;
}

/** A spec's walking sheet, 96x128 RGBA: columns rightFoot, standing, leftFoot; rows down, left, right, up. */
export function drawAvatarSheet(spec: AvatarSpec): AvatarPixels {
  return pixels(drawAvatarLookSheet(resolveAvatarLook(spec)));
}

/** Head and shoulders, 24x24 RGBA: the standing frame facing down, cropped (for lists of people). */
export function drawAvatarFace(spec: AvatarSpec): AvatarPixels {
  return pixels(drawAvatarFrame(resolveAvatarLook(spec), 'down', 'standing').crop(4, 0, 24, 24));
}

// ---- drawing

const INK = '#2b2233';
const EYE = '#2b2233';
const WHITE = '#ffffff';
const CHEEK = '#ff7b7b';
const SLEEPY_GLINT = '#d8d4e2';

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

/** What one frame is drawing; every layer reads it. */
interface Frame {
  img: Img;
  look: AvatarLook;
  dir: AvatarDirection;
  step: AvatarWalkFrame;
  side: boolean;
  walking: boolean;
  /** 1 on step frames: head and torso move down a pixel. */
  bob: number;
  /** Head origin (skull column 0, row 0). */
  hx: number;
  hy: number;
  /** Top row of the torso. */
  ty: number;
  skinS: Colour;
}

/** Draws into a transparent 32x32 image: the sprite, outlined, mirrored for 'right', on its shadow. */
export function drawAvatarFrame(look: AvatarLook, dir: AvatarDirection, step: AvatarWalkFrame): Img {
  const walking = step !== 'standing';
  const bob = walking ? 1 : 0;
  const f: Frame = {
    img: new Img(AVATAR_FRAME, AVATAR_FRAME),
    look,
    dir,
    step,
    side: dir === 'left' || dir === 'right',
    walking,
    bob,
    hx: HEAD_X,
    hy: HEAD_Y + bob,
    ty: 17 + bob,
    skinS: shade(look.skin, -0.18),
  };
  drawLegs(f);
  drawOutfit(f);
  drawHead(f);
  drawEyes(f);
  drawHair(f);
  drawGlasses(f);
  drawHat(f);

  f.img.outline(INK);
  const sprite = dir === 'right' ? f.img.flipX() : f.img;
  const out = new Img(AVATAR_FRAME, AVATAR_FRAME);
  out.ellipse(8, 28, 16, 4, withAlpha('#000000', 70));
  out.blit(sprite, 0, 0);
  return out;
}

// ---- legs and shoes

function drawLegs(f: Frame): void {
  const { img, look, dir, step, side, walking } = f;
  const bare = look.outfit === 'dress';
  const pants = bare ? look.skin : look.outfit === 'overalls' ? look.outfitColour : look.pants;
  const pantsS = bare ? f.skinS : shade(pants, -0.25);
  const shoesL = shade(look.shoes, 0.25);
  if (!side) {
    // Which screen-side leg lifts: facing down the sprite's left foot is on screen right.
    const liftRight = (step === 'leftFoot') === (dir === 'down');
    for (const [x0, lifted] of [
      [11, walking && !liftRight],
      [16, walking && liftRight],
    ] as const) {
      const lift = lifted ? 2 : 0;
      if (bare) {
        img.rect(x0 + 1, 24, 3, 5 - lift, pants);
        img.vline(x0 + 3, 24, 28 - lift, pantsS);
      } else {
        img.rect(x0, 24, 5, 5 - lift, pants);
        img.vline(x0 + 4, 24, 28 - lift, pantsS);
      }
      img.rect(x0, 29 - lift, 5, 2, look.shoes);
      img.hline(x0, x0 + 4, 29 - lift, shoesL);
    }
    if (!bare) img.vline(15, 26, 28, pantsS);
  } else if (!walking) {
    img.rect(13, 24, 6, 5, pants);
    img.vline(16, 26, 28, pantsS);
    img.rect(12, 29, 7, 2, look.shoes);
    img.hline(12, 18, 29, shoesL);
  } else {
    // Stride: one leg forward (toward the facing side), one back. Drawn facing left, mirrored for right.
    const [fx, bx] = step === 'leftFoot' ? [10, 17] : [11, 16];
    img.rect(bx, 24, 5, 4, pantsS);
    img.rect(bx + 1, 28, 4, 1, pantsS);
    img.rect(bx + 1, 29, 5, 2, shade(look.shoes, -0.2));
    img.rect(fx, 24, 5, 5, pants);
    img.rect(fx - 1, 29, 6, 2, look.shoes);
    img.hline(fx - 1, fx + 4, 29, shoesL);
  }
}

// ---- outfit: torso and arms

interface Cloth {
  /** Torso colour, its lit and shaded edges. */
  c: Colour;
  l: Colour;
  s: Colour;
  /** Sleeves: colour and length in px (5 = to the wrist; shorter ones show the forearm). */
  sleeve: Colour;
  sleeveL: Colour;
  sleeveS: Colour;
  sleeveLength: number;
  /** A band at the end of the sleeve (cuff or hem), if any. */
  cuff?: Colour;
}

function clothOf(look: AvatarLook): Cloth {
  const base = look.outfitColour;
  const plain = (c: Colour, sleeveLength: number, cuff?: Colour): Cloth => {
    const l = shade(c, 0.18);
    const s = shade(c, -0.2);
    return { c, l, s, sleeve: c, sleeveL: l, sleeveS: s, sleeveLength, ...(cuff === undefined ? {} : { cuff }) };
  };
  switch (look.outfit) {
    case 'tshirt':
      return plain(base, 5);
    case 'hoodie':
      return plain(base, 5, shade(base, -0.32));
    case 'shirt-tie':
      return plain(mix(base, WHITE, 0.74), 5, WHITE);
    case 'sweater':
      return plain(base, 5, shade(base, -0.34));
    case 'jacket':
      return plain(base, 5, JACKET_SHIRT);
    case 'dress':
      return plain(base, 2);
    case 'overalls':
      return plain(OVERALLS_SHIRT, 2);
    case 'polo':
      return plain(base, 3, shade(base, 0.3));
  }
}

const JACKET_SHIRT = '#f3f0e8';
const OVERALLS_SHIRT = '#f1ece0';
const BRASS = '#f0c85a';

function drawOutfit(f: Frame): void {
  const { img, look, dir, step, side, walking, ty, skinS } = f;
  const k = clothOf(look);
  if (!side) {
    img.rect(10, ty, 12, 8, k.c);
    img.vline(10, ty, ty + 7, k.l);
    img.vline(21, ty, ty + 7, k.s);
    img.hline(10, 21, ty + 7, k.s);
    if (dir === 'down' && (look.outfit === 'tshirt' || look.outfit === 'overalls')) {
      // Collar: a small V of skin.
      img.hline(14, 17, ty, look.skin);
      img.hline(15, 16, ty + 1, look.skin);
      img.put(13, ty, k.l);
      img.put(18, ty, k.l);
    }
    if (look.outfit === 'dress') drawSkirt(f);
    drawTorsoDetails(f, k);
    // Arms swing a pixel opposite to the lifted leg.
    const swingL = walking ? (step === 'leftFoot' ? -1 : 1) : 0;
    for (const [ax, sw] of [
      [8, swingL],
      [22, -swingL],
    ] as const) {
      const ay = ty + 1 + (sw > 0 ? 1 : 0);
      const outer = ax + (ax < 16 ? 0 : 1);
      const n = k.sleeveLength;
      img.rect(ax, ay, 2, n, sw < 0 ? k.sleeveS : k.sleeve);
      img.vline(outer, ay, ay + n - 1, ax < 16 ? k.sleeveL : k.sleeveS);
      if (k.cuff !== undefined) img.hline(ax, ax + 1, ay + n - 1, k.cuff);
      if (n < 5) {
        img.rect(ax, ay + n, 2, 5 - n, look.skin);
        if (ax > 16) img.vline(outer, ay + n, ay + 4, skinS);
      }
      img.rect(ax, ay + 5, 2, 2, look.skin);
      img.put(outer, ay + 6, skinS);
    }
  } else {
    img.rect(12, ty, 8, 8, k.c);
    img.vline(12, ty, ty + 7, k.l);
    img.vline(19, ty, ty + 7, k.s);
    img.hline(12, 19, ty + 7, k.s);
    if (look.outfit === 'dress') drawSkirt(f);
    drawTorsoDetails(f, k);
    // One arm, swinging along the stride (facing left; mirrored for right).
    const off = walking ? (step === 'leftFoot' ? -2 : 2) : 0;
    const ax = 14 + off;
    const n = k.sleeveLength;
    img.rect(ax, ty + 1, 4, n, k.sleeveS);
    img.rect(ax + 1, ty + 1, 2, n, k.sleeve);
    if (k.cuff !== undefined) img.hline(ax, ax + 3, ty + n, k.cuff);
    if (n < 5) {
      img.rect(ax, ty + 1 + n, 3, 5 - n, look.skin);
      img.vline(ax + 2, ty + 1 + n, ty + 5, skinS);
    }
    img.rect(ax, ty + 6, 3, 2, look.skin);
    img.put(ax + 2, ty + 7, skinS);
  }
}

/** The skirt of a dress: flares from the waist over the top of the legs; the hem swings with the stride. */
function drawSkirt(f: Frame): void {
  const { img, look, side, walking, step, ty } = f;
  const c = look.outfitColour;
  const s = shade(c, -0.2);
  const d = shade(c, -0.34);
  const l = shade(c, 0.18);
  const sway = walking ? (step === 'leftFoot' ? -1 : 1) : 0;
  const rows: [number, number, number][] = side
    ? [
        [ty + 5, 11, 20],
        [ty + 6, 10, 21],
        [ty + 7, 10 - (walking ? 1 : 0), 21],
        [ty + 8, 9 - (walking ? 1 : 0), 22],
      ]
    : [
        [ty + 5, 10, 21],
        [ty + 6, 9, 22],
        [ty + 7, 9, 22],
        [ty + 8, 8 + sway, 23 + sway],
        [ty + 9, 8 + sway, 23 + sway],
      ];
  for (const [y, x0, x1] of rows) {
    img.hline(x0, x1, y, c);
    img.put(x0, y, l);
    img.put(x1, y, s);
  }
  const [, hx0, hx1] = rows[rows.length - 1]!;
  const hem = ty + rows.length + 4;
  img.hline(hx0, hx1, hem, s);
  // Pleats.
  for (const x of side ? [13, 17] : [12, 15 + sway, 19 + sway]) img.vline(x, ty + 6, hem - 1, s);
  img.hline(side ? 12 : 11, side ? 19 : 20, ty + 4, d);
}

function drawTorsoDetails(f: Frame, k: Cloth): void {
  const { img, look, dir, side, ty } = f;
  const base = look.outfitColour;
  const dark = shade(base, -0.34);
  const down = dir === 'down';
  const up = dir === 'up';
  switch (look.outfit) {
    case 'tshirt':
      return;
    case 'hoodie': {
      const hood = shade(base, -0.12);
      const string = '#f4f1ea';
      if (down) {
        // The hood lies round the neck; drawstrings hang from it; a pouch pocket across the belly.
        img.hline(11, 20, ty, k.l);
        img.hline(12, 19, ty + 1, k.l);
        img.hline(14, 17, ty + 1, dark);
        img.put(13, ty + 1, hood);
        img.put(18, ty + 1, hood);
        img.vline(14, ty + 2, ty + 3, string);
        img.vline(17, ty + 2, ty + 4, string);
        img.hline(12, 19, ty + 4, dark);
        img.rect(13, ty + 5, 6, 2, hood);
        img.vline(12, ty + 5, ty + 6, dark);
        img.vline(19, ty + 5, ty + 6, dark);
      } else if (up) {
        // The hood hangs down the back.
        img.hline(11, 20, ty, k.l);
        img.hline(11, 20, ty + 1, hood);
        img.hline(12, 19, ty + 2, hood);
        img.hline(13, 18, ty + 3, hood);
        img.hline(14, 17, ty + 4, hood);
        img.put(11, ty + 1, dark);
        img.put(20, ty + 1, dark);
        img.put(12, ty + 2, dark);
        img.put(19, ty + 2, dark);
        img.put(13, ty + 3, dark);
        img.put(18, ty + 3, dark);
        img.hline(14, 17, ty + 5, dark);
        img.hline(10, 21, ty + 7, dark);
      } else {
        // Hood bunched behind the neck, a drawstring in front, the pocket under the arm.
        img.rect(18, ty - 1, 4, 4, hood);
        img.vline(21, ty - 1, ty + 2, dark);
        img.hline(18, 21, ty + 2, dark);
        img.put(18, ty - 1, k.l);
        img.vline(13, ty + 1, ty + 3, string);
        img.hline(12, 19, ty + 4, dark);
        img.hline(12, 19, ty + 7, dark);
      }
      return;
    }
    case 'shirt-tie': {
      const collar = WHITE;
      const tie = base;
      const tieS = shade(base, -0.3);
      if (down) {
        img.put(13, ty + 1, collar);
        img.put(14, ty + 1, collar);
        img.put(14, ty + 2, collar);
        img.put(17, ty + 1, collar);
        img.put(18, ty + 1, collar);
        img.put(17, ty + 2, collar);
        img.hline(15, 16, ty + 1, tieS);
        img.rect(15, ty + 2, 2, 4, tie);
        img.vline(16, ty + 2, ty + 5, tieS);
        img.put(15, ty + 6, tie);
        img.put(16, ty + 6, tieS);
        img.put(19, ty + 3, k.s);
        img.hline(18, 19, ty + 3, k.s);
      } else if (up) {
        img.hline(12, 19, ty + 1, collar);
        img.hline(10, 21, ty + 3, k.s);
        img.vline(15, ty + 4, ty + 6, k.s);
      } else {
        img.hline(14, 17, ty, collar);
        img.hline(15, 17, ty + 1, collar);
        img.vline(12, ty + 1, ty + 5, tie);
        img.vline(13, ty + 1, ty + 4, tieS);
        img.put(12, ty + 6, tieS);
      }
      return;
    }
    case 'sweater': {
      const pattern = mix(base, WHITE, 0.6);
      const rib = shade(base, -0.34);
      const [x0, x1] = side ? [12, 19] : [10, 21];
      if (down) img.hline(13, 18, ty + 1, rib);
      if (up) img.hline(12, 19, ty + 1, rib);
      if (side) img.hline(14, 18, ty + 1, rib);
      // A knitted band across the chest, and a ribbed hem.
      for (let x = x0; x <= x1; x++) {
        img.put(x, ty + 3, x % 2 === 0 ? pattern : k.c);
        img.put(x, ty + 4, x % 2 === 1 ? pattern : k.c);
        img.put(x, ty + 7, x % 2 === 0 ? rib : k.s);
      }
      img.hline(x0, x1, ty + 6, k.s);
      return;
    }
    case 'jacket': {
      const shirt = JACKET_SHIRT;
      if (down) {
        // Open at the front over a light shirt, lapels either side, pocket flaps.
        img.hline(14, 17, ty + 1, shirt);
        img.rect(15, ty + 2, 2, 6, shirt);
        img.put(14, ty + 2, k.l);
        img.put(17, ty + 2, k.l);
        img.vline(13, ty + 1, ty + 2, dark);
        img.vline(18, ty + 1, ty + 2, dark);
        img.vline(14, ty + 3, ty + 7, dark);
        img.vline(17, ty + 3, ty + 7, dark);
        img.hline(11, 12, ty + 5, dark);
        img.hline(19, 20, ty + 5, dark);
        img.put(13, ty + 5, BRASS);
      } else if (up) {
        img.hline(12, 19, ty + 1, dark);
        img.hline(12, 19, ty, k.l);
        img.vline(15, ty + 4, ty + 7, dark);
        img.vline(16, ty + 5, ty + 7, k.s);
      } else {
        img.vline(12, ty + 1, ty + 7, shirt);
        img.vline(13, ty + 1, ty + 7, dark);
        img.put(13, ty + 1, k.l);
        img.rect(17, ty, 3, 2, dark);
        img.hline(14, 17, ty + 5, dark);
      }
      // Longer than a top: the hem hangs a pixel over the trousers.
      const [x0, x1] = side ? [12, 19] : [10, 21];
      img.hline(x0, x1, ty + 8, k.s);
      if (down) img.hline(15, 16, ty + 8, shirt);
      return;
    }
    case 'dress': {
      if (down) {
        // A scoop neck, a bow at the waist.
        img.hline(13, 18, ty, look.skin);
        img.hline(14, 17, ty + 1, look.skin);
        img.hline(15, 16, ty + 2, look.skin);
        img.put(15, ty + 4, shade(base, 0.3));
        img.put(16, ty + 4, shade(base, 0.3));
      } else if (up) {
        img.hline(13, 18, ty, look.skin);
        img.hline(14, 17, ty + 1, look.skin);
        img.rect(14, ty + 3, 4, 3, shade(base, 0.3));
        img.put(15, ty + 4, dark);
        img.put(16, ty + 4, dark);
        img.put(14, ty + 5, k.c);
        img.put(17, ty + 5, k.c);
      } else {
        img.hline(13, 17, ty, look.skin);
        img.hline(13, 15, ty + 1, look.skin);
      }
      return;
    }
    case 'overalls': {
      // Denim-ish bib and straps in the outfit colour over a light shirt.
      const c = base;
      const l = shade(c, 0.18);
      const s = shade(c, -0.22);
      if (!side) {
        img.rect(10, ty + 5, 12, 3, c);
        img.vline(10, ty + 5, ty + 7, l);
        img.vline(21, ty + 5, ty + 7, s);
        img.hline(10, 21, ty + 7, s);
        if (down) {
          img.rect(12, ty + 2, 8, 4, c);
          img.vline(12, ty + 2, ty + 5, l);
          img.vline(19, ty + 2, ty + 5, s);
          img.rect(14, ty + 3, 4, 2, s);
          img.hline(14, 17, ty + 3, dark);
          img.vline(12, ty, ty + 1, c);
          img.vline(13, ty, ty + 1, s);
          img.vline(18, ty, ty + 1, c);
          img.vline(19, ty, ty + 1, s);
          img.put(12, ty + 2, BRASS);
          img.put(19, ty + 2, BRASS);
        } else {
          // Straps crossing on the back.
          for (let i = 0; i < 5; i++) {
            img.put(12 + i, ty + i, c);
            img.put(19 - i, ty + i, c);
            img.put(13 + i, ty + i, s);
            img.put(18 - i, ty + i, s);
          }
        }
      } else {
        img.rect(12, ty + 5, 8, 3, c);
        img.hline(12, 19, ty + 7, s);
        img.rect(12, ty + 2, 4, 3, c);
        img.vline(12, ty + 2, ty + 4, l);
        img.vline(15, ty, ty + 2, c);
        img.vline(16, ty, ty + 2, s);
        img.put(15, ty + 2, BRASS);
      }
      return;
    }
    case 'polo': {
      const collar = shade(base, 0.3);
      if (down) {
        // Collar points and a buttoned placket.
        img.hline(13, 14, ty + 1, collar);
        img.put(14, ty + 2, collar);
        img.hline(17, 18, ty + 1, collar);
        img.put(17, ty + 2, collar);
        img.hline(15, 16, ty + 1, look.skin);
        img.vline(15, ty + 2, ty + 3, k.s);
        img.vline(16, ty + 2, ty + 3, k.s);
        img.put(15, ty + 2, WHITE);
        img.put(16, ty + 3, WHITE);
      } else if (up) {
        img.hline(12, 19, ty + 1, collar);
        img.hline(12, 19, ty + 2, k.s);
      } else {
        img.rect(16, ty, 4, 2, collar);
        img.hline(16, 19, ty + 2, k.s);
        img.vline(12, ty + 1, ty + 3, k.s);
      }
      return;
    }
  }
}

// ---- head: skull, ears, cheeks, mouth, nose, beard

function drawHead(f: Frame): void {
  const { img, look, dir, side, hx, hy, skinS } = f;
  for (let r = 0; r < SKULL.length; r++) {
    for (let c = 0; c < 16; c++) {
      if (!inSkull(c, r)) continue;
      const edge = !inSkull(c + 1, r) || !inSkull(c, r + 1);
      img.put(hx + c, hy + r, edge ? skinS : look.skin);
    }
  }
  const hairS = shade(look.hair, -0.28);
  const mouth = shade(look.skin, -0.35);
  if (dir === 'down' || dir === 'up') {
    img.rect(hx - 1, hy + 8, 1, 2, skinS);
    img.rect(hx + 16, hy + 8, 1, 2, skinS);
  }
  if (dir === 'down') {
    img.put(hx + 2, hy + 10, withAlpha(CHEEK, 110));
    img.put(hx + 3, hy + 10, withAlpha(CHEEK, 80));
    img.put(hx + 13, hy + 10, withAlpha(CHEEK, 110));
    img.put(hx + 12, hy + 10, withAlpha(CHEEK, 80));
    img.hline(hx + 7, hx + 8, hy + 11, mouth);
    if (look.beard) {
      for (let r = 10; r < 15; r++) for (let c = 1; c < 15; c++) if (inSkull(c, r) && (r >= 12 || c <= 2 || c >= 13)) img.put(hx + c, hy + r, hairS);
      img.hline(hx + 6, hx + 9, hy + 11, mouth);
      img.hline(hx + 6, hx + 9, hy + 12, look.skin);
    }
  }
  if (side) {
    // Facing left: a cheek under the eye, a bit of nose.
    img.put(hx + 2, hy + 10, withAlpha(CHEEK, 110));
    img.put(hx - 1, hy + 9, look.skin);
    img.put(hx - 1, hy + 10, skinS);
    if (look.beard) {
      for (let r = 10; r < 15; r++) for (let c = 0; c < 9; c++) if (inSkull(c, r) && (r >= 12 || c >= 6)) img.put(hx + c, hy + r, hairS);
    }
  }
}

// ---- eyes

function drawEyes(f: Frame): void {
  const { img, look, dir, side, hx, hy } = f;
  const lid = mix(look.skin, EYE, 0.55);
  const mouth = shade(look.skin, -0.35);
  if (dir === 'down') {
    for (const ex of [hx + 4, hx + 10]) {
      const outer = ex < hx + 8 ? ex - 1 : ex + 2;
      switch (look.eyes) {
        case 'round':
          // 2x2 with a catch-light, which reads as "awake" at 32 px.
          img.rect(ex, hy + 8, 2, 2, EYE);
          img.put(ex + 1, hy + 8, WHITE);
          break;
        case 'smiling':
          // Closed, curved up: ^ ^.
          img.hline(ex, ex + 1, hy + 8, EYE);
          img.put(ex - 1, hy + 9, EYE);
          img.put(ex + 2, hy + 9, EYE);
          break;
        case 'sleepy':
          // Heavy lids, drooping outward, over the lower half of the eye.
          img.hline(ex, ex + 1, hy + 8, lid);
          img.put(outer, hy + 9, lid);
          img.hline(ex, ex + 1, hy + 9, EYE);
          img.put(ex + 1, hy + 9, SLEEPY_GLINT);
          break;
        case 'wide':
          // Tall, with the white showing round the pupil.
          img.rect(Math.min(ex, outer), hy + 7, 3, 3, WHITE);
          img.hline(Math.min(ex, outer), Math.min(ex, outer) + 2, hy + 6, EYE);
          img.rect(ex, hy + 8, 2, 2, EYE);
          img.put(ex + 1, hy + 8, WHITE);
          break;
      }
    }
    if (look.eyes === 'smiling' && !look.beard) {
      img.put(hx + 6, hy + 10, mouth);
      img.put(hx + 9, hy + 10, mouth);
    }
  }
  if (side) {
    // Facing left: the eye near the front.
    switch (look.eyes) {
      case 'round':
        img.rect(hx + 2, hy + 8, 2, 2, EYE);
        img.put(hx + 2, hy + 8, WHITE);
        break;
      case 'smiling':
        img.hline(hx + 2, hx + 3, hy + 8, EYE);
        img.put(hx + 1, hy + 9, EYE);
        img.put(hx + 4, hy + 9, EYE);
        break;
      case 'sleepy':
        img.hline(hx + 2, hx + 3, hy + 8, lid);
        img.put(hx + 4, hy + 9, lid);
        img.hline(hx + 2, hx + 3, hy + 9, EYE);
        img.put(hx + 2, hy + 9, SLEEPY_GLINT);
        break;
      case 'wide':
        img.rect(hx + 1, hy + 7, 3, 3, WHITE);
        img.hline(hx + 1, hx + 3, hy + 6, EYE);
        img.rect(hx + 1, hy + 8, 2, 2, EYE);
        img.put(hx + 1, hy + 8, WHITE);
        break;
    }
  }
}

// ---- hair

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

const RIBBON = '#e05a7a';

function drawHair(f: Frame): void {
  const { img, look, dir, side, hx, hy } = f;
  const style = look.hairStyle;
  const shape = shapeOf(style);
  const hairS = shade(look.hair, -0.28);
  const hairL = shade(look.hair, 0.3);
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
  if (style === 'bun') {
    const bx = side ? 10 : 5;
    const by = dir === 'down' ? -4 : -3;
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) if ((c - 2.5) ** 2 / 9 + (r - 2.5) ** 2 / 9 <= 1) setHair(bx + c, by + r);
  }
  if (style === 'ponytail' && dir !== 'down') {
    if (dir === 'up') {
      for (let r = 10; r < 19; r++) for (let c = 6; c < 10; c++) setHair(c, r);
      for (const c of [6, 7, 8, 9]) setHair(c, 9, RIBBON);
    } else {
      for (let r = 4; r < 14; r++) for (let c = 15; c < 18 + (r > 6 && r < 11 ? 1 : 0); c++) setHair(c, r);
      setHair(15, 6, RIBBON);
      setHair(15, 7, RIBBON);
    }
  }
  if (style === 'spiky') {
    // Tufts leaning the same way, attached to the volume rim (the frame's top edge is 2 px above).
    for (const c of [1, 5, 9, 12]) {
      setHair(c, -2);
      setHair(c + 1, -2);
      setHair(c + 2, -2);
      setHair(c + 2, -3);
      setHair(c + 3, -3);
    }
  }
  if (style === 'curly') {
    // Bumpy silhouette: small curls sitting on the rim.
    for (const c of [1, 5, 9, 13]) {
      setHair(c, -3);
      setHair(c + 1, -3);
    }
  }
  // Under a hat, the hair above its band is squashed out of sight.
  const hidden = HATS[look.hat]?.[viewOf(f)].hidesHairAbove ?? -Infinity;
  // Shade: bottom and right edges of the hair mass darker, a short shine on top.
  for (const [key, col] of hairPx) {
    const [c, r] = key.split(',').map(Number) as [number, number];
    if (r < hidden) continue;
    let colour: Colour = col;
    if (col === look.hair) {
      const below = hairPx.has(`${c},${r + 1}`);
      const right = hairPx.has(`${c + 1},${r}`);
      if (!below || !right) colour = hairS;
      if (style === 'curly' && (c * 3 + r * 5) % 7 === 0) colour = hairS;
      const above = hairPx.has(`${c},${r - 1}`) && hairPx.has(`${c},${r - 2}`) && !hairPx.has(`${c},${r - 3}`);
      if (above && c >= (dir === 'up' ? 5 : 3) && c <= (dir === 'up' ? 9 : 6)) colour = hairL;
    }
    img.put(hx + c, hy + r, colour);
  }

  if (side && shape.long === 0 && style !== 'bob') {
    // The ear shows through short hair.
    img.rect(hx + 8, hy + 8, 2, 3, look.skin);
    img.put(hx + 9, hy + 10, f.skinS);
    img.put(hx + 8, hy + 9, shade(look.skin, -0.3));
    img.put(hx + 10, hy + 8, hairS);
  }
}

// ---- pixel masks for glasses and hats: one character per pixel, '.' is left alone

interface Mask {
  /** Head-relative column and row of the first character. */
  x: number;
  y: number;
  rows: readonly string[];
}

function drawMask(f: Frame, m: Mask, palette: Readonly<Record<string, Colour>>): void {
  m.rows.forEach((row, j) => {
    for (let i = 0; i < row.length; i++) {
      const ch = row[i]!;
      if (ch === '.') continue;
      const colour = palette[ch];
      if (colour === undefined) throw new Error(`avatar mask: no colour for "${ch}"`);
      f.img.px(f.hx + m.x + i, f.hy + m.y + j, colour);
    }
  });
}

// ---- glasses

const LENS_TINT = withAlpha('#ffffff', 70);

function drawGlasses(f: Frame): void {
  const { img, look, dir, side, hx, hy } = f;
  if (look.glasses === 'none' || dir === 'up') return;
  if (look.glasses === 'round') {
    if (dir === 'down') {
      const frames = (): void => {
        img.box(hx + 2, hy + 7, 5, 4, INK);
        img.box(hx + 9, hy + 7, 5, 4, INK);
        img.hline(hx + 7, hx + 8, hy + 8, INK);
      };
      frames();
      img.rect(hx + 3, hy + 8, 3, 2, LENS_TINT);
      img.rect(hx + 10, hy + 8, 3, 2, LENS_TINT);
      drawEyes(f);
      frames();
    } else {
      const frames = (): void => {
        img.box(hx + 1, hy + 7, 4, 4, INK);
        // The arm, as far as the hair or the ear.
        img.hline(hx + 5, hx + 6, hy + 8, INK);
      };
      frames();
      drawEyes(f);
      frames();
    }
    return;
  }
  const g = GLASSES[look.glasses][side ? 'left' : 'down'];
  const palette = { k: INK, t: LENS_TINT, g: SUNGLASS_LENS, w: SUNGLASS_SHINE, f: SQUARE_FRAME };
  drawMask(f, g, palette);
  if (look.glasses === 'square') {
    drawEyes(f);
    // Eyes that reach the rims go behind them.
    drawMask(f, { ...g, rows: g.rows.map((r) => r.replace(/[^kf]/g, '.')) }, palette);
  }
}

const SQUARE_FRAME = '#1a1620';
const SUNGLASS_LENS = '#1d1b26';
const SUNGLASS_SHINE = '#7d86a8';

const GLASSES: Record<'square' | 'sunglasses', Record<'down' | 'left', Mask>> = {
  square: {
    // Bold, wide rectangles with a heavy top bar.
    down: {
      x: 1,
      y: 6,
      rows: [
        'ffffff..ffffff', //
        'ffffffffffffff',
        'fttttf..fttttf',
        'fttttf..fttttf',
        'ffffff..ffffff',
      ],
    },
    left: {
      x: 0,
      y: 6,
      rows: [
        'ffffff.', //
        'fffffff',
        'fttttf.',
        'fttttf.',
        'ffffff.',
      ],
    },
  },
  sunglasses: {
    // Dark lenses hiding the eyes, a glint on each.
    down: {
      x: 1,
      y: 7,
      rows: [
        '.kkkkkkkkkkkk.', //
        '.gwggg..gwggg.',
        '..ggg....ggg..',
      ],
    },
    left: {
      x: 0,
      y: 7,
      rows: [
        '.kkkkkk', //
        '.gwgg..',
        '..gg...',
      ],
    },
  },
};

// ---- hats

interface HatView extends Mask {
  /** Hair above this head row is under the hat. */
  hidesHairAbove: number;
}

type HatViews = Record<'down' | 'left' | 'up', HatView>;

/** Side views are drawn facing left and mirrored for right. */
const viewOf = (f: Frame): 'down' | 'left' | 'up' => (f.side ? 'left' : f.dir === 'up' ? 'up' : 'down');

const HAT_COLOURS = {
  bucket: '#cdb787',
  headband: '#34343c',
  headbandL: '#5e5e6c',
  cushion: '#24242a',
};

function drawHat(f: Frame): void {
  const { look } = f;
  const view = HATS[look.hat]?.[viewOf(f)];
  if (view === undefined) return;
  const base: Colour = look.hat === 'bucket' ? HAT_COLOURS.bucket : look.outfitColour;
  const palette: Record<string, Colour> = {
    '#': base,
    l: shade(base, 0.22),
    s: shade(base, -0.2),
    d: shade(base, -0.38),
    r: shade(base, -0.28),
    p: mix(base, WHITE, 0.75),
    q: mix(base, WHITE, 0.45),
    b: look.hat === 'bucket' ? shade(look.outfitColour, -0.1) : shade(base, -0.45),
    k: HAT_COLOURS.headband,
    h: HAT_COLOURS.headbandL,
    m: HAT_COLOURS.cushion,
  };
  drawMask(f, view, palette);
}

const HEADPHONES_FRONT = [
  '......hhhhhhhhhh......', //
  '....hhkkkkkkkkkkhh....',
  '...hk............kh...',
  '..hk..............kh..',
  '.hk................kh.',
  '.hk................kh.',
  '.hk................kh.',
  '.l#................#s.',
  'l##m..............m##s',
  'l##m..............m##s',
  'l##m..............m##s',
  'l##m..............m##s',
  '.ss................ss.',
];

const BEANIE = [
  '........pq........', //
  '.......ppqq.......',
  '....l########s....',
  '..l############s..',
  '.l##############s.',
  'l################s',
  '#r#r#r#r#r#r#r#r#r',
  '#r#r#r#r#r#r#r#r#r',
  'ssssssssssssssssss',
];

/** The bucket hat's crown and brim, the same from every side; only the brim's shadow differs. */
const BUCKET_CROWN = [
  '......l########s......', //
  '.....l##########s.....',
  '.....l##########s.....',
  '....bbbbbbbbbbbbbb....',
  '..llllllllllllllllll..',
  '.l##################s.',
];

/** A hat that looks the same from the front, the back and the side. */
function fromEverySide(view: HatView): HatViews {
  return { down: view, up: view, left: view };
}

const HATS: Partial<Record<HatStyle, HatViews>> = {
  cap: {
    down: {
      x: -1,
      y: -2,
      hidesHairAbove: 3,
      rows: [
        '........dd........', //
        '.....l######s.....',
        '...l##########s...',
        '..l############s..',
        '.l######pp######s.',
        '.llllllllllllllll.',
        'l################s',
        '..ssssssssssssss..',
      ],
    },
    up: {
      x: -1,
      y: -2,
      hidesHairAbove: 3,
      rows: [
        '........dd........', //
        '.....l######s.....',
        '...l##########s...',
        '..l############s..',
        '.l##############s.',
        '.l#####....#####s.',
        '.ssssssddddssssss.',
      ],
    },
    left: {
      x: -3,
      y: -2,
      hidesHairAbove: 3,
      rows: [
        '..........dd........', //
        '.......l######s.....',
        '.....l##########s...',
        '....l############s..',
        '...lpp############s.',
        'lllls#############s',
        'sssss..............',
      ],
    },
  },
  beanie: fromEverySide({ x: -1, y: -3, hidesHairAbove: 3, rows: BEANIE }),
  bucket: {
    down: { x: -3, y: -1, hidesHairAbove: 4, rows: [...BUCKET_CROWN, 'ssssssssssssssssssssss'] },
    up: { x: -3, y: -1, hidesHairAbove: 4, rows: [...BUCKET_CROWN, 'ssssssssssssssssssssss'] },
    // From the side the brim's shadow falls only beyond the face.
    left: { x: -3, y: -1, hidesHairAbove: 4, rows: [...BUCKET_CROWN, 'sss................sss'] },
  },
  headphones: {
    ...fromEverySide({ x: -3, y: -2, hidesHairAbove: -Infinity, rows: HEADPHONES_FRONT }),
    left: {
      x: 6,
      y: -2,
      hidesHairAbove: -Infinity,
      rows: [
        '..hhh..', //
        '..hk...',
        '..hk...',
        '..hk...',
        '..hk...',
        '..hk...',
        '..hk...',
        '.l##s..',
        'l####s.',
        'l#dd#s.',
        'l#dd#s.',
        'l####s.',
        '.ssss..',
      ],
    },
  },
};
