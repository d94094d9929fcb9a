import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAvatarSheet } from '../scripts/lib/avatars.js';
import { AVATAR_LAYERS, AVATAR_PARTS, DEFAULT_AVATAR, type AvatarSpec } from './avatar.js';
import {
  AVATAR_DIRECTIONS,
  AVATAR_FRAME,
  AVATAR_SHEET_COLUMNS,
  AVATAR_SHEET_ROWS,
  AVATAR_WALK_FRAMES,
  AVATAR_WALKING_MAPPING,
  EYE_STYLES,
  GLASSES_STYLES,
  HAIR_STYLES,
  HAT_STYLES,
  OUTFIT_STYLES,
  avatarFrameIndex,
  drawAvatarFace,
  drawAvatarFrame,
  drawAvatarSheet,
  resolveAvatarLook,
  type AvatarPixels,
} from './avatar-art.js';
import { assetsDir } from './index.js';

const W = AVATAR_SHEET_COLUMNS * AVATAR_FRAME;

/** The RGBA bytes of frame (row, column) of a sheet. */
function frameOf(sheet: AvatarPixels, row: number, col: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(AVATAR_FRAME * AVATAR_FRAME * 4);
  for (let y = 0; y < AVATAR_FRAME; y++) {
    const from = ((row * AVATAR_FRAME + y) * W + col * AVATAR_FRAME) * 4;
    out.set(sheet.data.subarray(from, from + AVATAR_FRAME * 4), y * AVATAR_FRAME * 4);
  }
  return out;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

function mirrored(frame: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(frame.length);
  for (let y = 0; y < AVATAR_FRAME; y++) {
    for (let x = 0; x < AVATAR_FRAME; x++) {
      const from = (y * AVATAR_FRAME + x) * 4;
      out.set(frame.subarray(from, from + 4), (y * AVATAR_FRAME + AVATAR_FRAME - 1 - x) * 4);
    }
  }
  return out;
}

/** Bounding box of the sprite's solid pixels (the shadow is translucent and left out). */
function solidBox(frame: Uint8ClampedArray): { minX: number; maxX: number; minY: number; maxY: number } {
  let minX = AVATAR_FRAME;
  let maxX = -1;
  let minY = AVATAR_FRAME;
  let maxY = -1;
  for (let y = 0; y < AVATAR_FRAME; y++) {
    for (let x = 0; x < AVATAR_FRAME; x++) {
      if (frame[(y * AVATAR_FRAME + x) * 4 + 3]! < 200) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  return { minX, maxX, minY, maxY };
}

const specArb: fc.Arbitrary<AvatarSpec> = fc.record(
  Object.fromEntries(AVATAR_LAYERS.map((l) => [l, fc.integer({ min: 0, max: AVATAR_PARTS[l].options.length - 1 })])) as Record<keyof AvatarSpec, fc.Arbitrary<number>>,
);

describe('the avatar sheet layout', () => {
  it('is 3 walk frames by 4 directions of 32x32, RGBA', () => {
    const sheet = drawAvatarSheet(DEFAULT_AVATAR);
    expect(sheet.width).toBe(96);
    expect(sheet.height).toBe(128);
    expect(AVATAR_SHEET_ROWS * AVATAR_FRAME).toBe(128);
    expect(sheet.data).toBeInstanceOf(Uint8ClampedArray);
    expect(sheet.data.length).toBe(96 * 128 * 4);
  });

  it("numbers frames the way grid-engine's walkingAnimationMapping reads them", () => {
    expect(avatarFrameIndex(0, 0)).toBe(0);
    expect(avatarFrameIndex(2, 1)).toBe(7);
    expect(avatarFrameIndex(3, 2)).toBe(11);
    expect(AVATAR_WALKING_MAPPING).toEqual({
      down: { rightFoot: 0, standing: 1, leftFoot: 2 },
      left: { rightFoot: 3, standing: 4, leftFoot: 5 },
      right: { rightFoot: 6, standing: 7, leftFoot: 8 },
      up: { rightFoot: 9, standing: 10, leftFoot: 11 },
    });
    expect(AVATAR_DIRECTIONS).toEqual(['down', 'left', 'right', 'up']);
    expect(AVATAR_WALK_FRAMES).toEqual(['rightFoot', 'standing', 'leftFoot']);
  });

  it('puts each drawn frame in its cell', () => {
    const spec: AvatarSpec = { skin: 5, hair: 6, hairColour: 3, outfit: 4, outfitColour: 2, eyes: 1, glasses: 2, hat: 3 };
    const sheet = drawAvatarSheet(spec);
    const look = resolveAvatarLook(spec);
    AVATAR_DIRECTIONS.forEach((dir, r) =>
      AVATAR_WALK_FRAMES.forEach((step, f) => {
        expect(same(frameOf(sheet, r, f), drawAvatarFrame(look, dir, step).data), `${dir} ${step}`).toBe(true);
      }),
    );
  });

  it('has a part for every option in the editor, in the same order', () => {
    expect(HAIR_STYLES.length).toBe(AVATAR_PARTS.hair.options.length);
    expect(OUTFIT_STYLES.length).toBe(AVATAR_PARTS.outfit.options.length);
    expect(EYE_STYLES.length).toBe(AVATAR_PARTS.eyes.options.length);
    expect(GLASSES_STYLES.length).toBe(AVATAR_PARTS.glasses.options.length);
    expect(HAT_STYLES.length).toBe(AVATAR_PARTS.hat.options.length);
    expect(AVATAR_PARTS.outfit.options.map((o) => o.name)).toEqual(['T-shirt', 'Hoodie', 'Shirt and tie', 'Sweater', 'Jacket', 'Dress', 'Overalls', 'Polo']);
    expect(AVATAR_PARTS.glasses.options[0]!.name).toBe('None');
    expect(AVATAR_PARTS.hat.options[0]!.name).toBe('None');
    for (const layer of ['skin', 'hairColour', 'outfitColour'] as const) for (const o of AVATAR_PARTS[layer].options) expect(o.colour).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('falls back to the default for a choice out of range', () => {
    expect(resolveAvatarLook({ ...DEFAULT_AVATAR, hat: 99, outfit: -1 })).toEqual(resolveAvatarLook(DEFAULT_AVATAR));
  });
});

describe('drawing', () => {
  it('is deterministic', () => {
    expect(same(drawAvatarSheet(DEFAULT_AVATAR).data, drawAvatarSheet({ ...DEFAULT_AVATAR }).data)).toBe(true);
  });

  it('draws the shared sheet (assets/avatars.png) byte for byte as committed', () => {
    expect(buildAvatarSheet().toPng().equals(readFileSync(join(assetsDir, 'avatars.png')))).toBe(true);
  });

  const defaultSheet = drawAvatarSheet(DEFAULT_AVATAR);
  for (const layer of AVATAR_LAYERS) {
    it(`shows every ${layer} option (none is a no-op)`, () => {
      const sheets = AVATAR_PARTS[layer].options.map((_, i) => drawAvatarSheet({ ...DEFAULT_AVATAR, [layer]: i }).data);
      // Every option differs from every other one, so from the default too.
      for (let i = 0; i < sheets.length; i++) {
        for (let j = i + 1; j < sheets.length; j++) expect(same(sheets[i]!, sheets[j]!), `${layer} ${i} vs ${j}`).toBe(false);
      }
      expect(same(sheets[DEFAULT_AVATAR[layer]]!, defaultSheet.data)).toBe(true);
    });
  }

  it('shows each outfit and hat from every direction', () => {
    for (const layer of ['outfit', 'hat'] as const) {
      const base = drawAvatarSheet(DEFAULT_AVATAR);
      AVATAR_PARTS[layer].options.forEach((_, i) => {
        if (i === DEFAULT_AVATAR[layer]) return;
        const sheet = drawAvatarSheet({ ...DEFAULT_AVATAR, [layer]: i });
        for (let r = 0; r < 4; r++) for (let f = 0; f < 3; f++) expect(same(frameOf(sheet, r, f), frameOf(base, r, f)), `${layer} ${i} ${AVATAR_DIRECTIONS[r]} frame ${f}`).toBe(false);
      });
    }
  });

  it('shows eyes and glasses wherever the face is seen (not from behind)', () => {
    for (const layer of ['eyes', 'glasses'] as const) {
      const base = drawAvatarSheet(DEFAULT_AVATAR);
      AVATAR_PARTS[layer].options.forEach((_, i) => {
        if (i === DEFAULT_AVATAR[layer]) return;
        const sheet = drawAvatarSheet({ ...DEFAULT_AVATAR, [layer]: i });
        for (let r = 0; r < 3; r++) for (let f = 0; f < 3; f++) expect(same(frameOf(sheet, r, f), frameOf(base, r, f)), `${layer} ${i} ${AVATAR_DIRECTIONS[r]} frame ${f}`).toBe(false);
      });
    }
  });

  it('animates the walk in every direction for every outfit', () => {
    AVATAR_PARTS.outfit.options.forEach((_, outfit) => {
      const sheet = drawAvatarSheet({ ...DEFAULT_AVATAR, outfit });
      for (let r = 0; r < 4; r++) {
        const [a, b, c] = [0, 1, 2].map((f) => frameOf(sheet, r, f));
        expect(same(a!, b!), `outfit ${outfit} ${AVATAR_DIRECTIONS[r]}: right foot vs standing`).toBe(false);
        expect(same(b!, c!), `outfit ${outfit} ${AVATAR_DIRECTIONS[r]}: standing vs left foot`).toBe(false);
        expect(same(a!, c!), `outfit ${outfit} ${AVATAR_DIRECTIONS[r]}: right foot vs left foot`).toBe(false);
      }
    });
  });

  it("draws 'right' as the mirror image of 'left'", () => {
    const specs: AvatarSpec[] = [DEFAULT_AVATAR];
    for (const layer of ['hair', 'outfit', 'eyes', 'glasses', 'hat'] as const) {
      AVATAR_PARTS[layer].options.forEach((_, i) => specs.push({ ...DEFAULT_AVATAR, [layer]: i }));
    }
    for (const spec of specs) {
      const sheet = drawAvatarSheet(spec);
      for (let f = 0; f < 3; f++) expect(same(frameOf(sheet, 2, f), mirrored(frameOf(sheet, 1, f))), `${JSON.stringify(spec)} frame ${f}`).toBe(true);
    }
  });

  it('draws a 24x24 face: the standing front view, head and shoulders', () => {
    const face = drawAvatarFace(DEFAULT_AVATAR);
    expect([face.width, face.height, face.data.length]).toEqual([24, 24, 24 * 24 * 4]);
    const front = frameOf(drawAvatarSheet(DEFAULT_AVATAR), 0, 1);
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 24; x++) {
        const i = (y * 24 + x) * 4;
        const j = (y * AVATAR_FRAME + x + 4) * 4;
        expect(Array.from(face.data.subarray(i, i + 4))).toEqual(Array.from(front.subarray(j, j + 4)));
      }
    }
  });

  it('keeps any avatar whole inside its frames: nothing cut off at the sides, feet on the ground', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const sheet = drawAvatarSheet(spec);
        expect([sheet.width, sheet.height, sheet.data.length]).toEqual([96, 128, 96 * 128 * 4]);
        for (let r = 0; r < 4; r++) {
          for (let f = 0; f < 3; f++) {
            const box = solidBox(frameOf(sheet, r, f));
            const where = `${JSON.stringify(spec)} ${AVATAR_DIRECTIONS[r]} frame ${f}`;
            expect(box.minX, where).toBeGreaterThanOrEqual(1);
            expect(box.maxX, where).toBeLessThanOrEqual(AVATAR_FRAME - 2);
            expect(box.maxX - box.minX + 1, where).toBeLessThanOrEqual(24);
            expect(box.maxY, where).toBeGreaterThanOrEqual(29);
            expect(box.maxY - box.minY + 1, where).toBeGreaterThanOrEqual(24);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
