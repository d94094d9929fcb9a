import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE, renderColorIcon, renderOutlineIcon } from './icons.js';

function pixels(png: PNG): [number, number, number, number][] {
  const result: [number, number, number, number][] = [];
  for (let offset = 0; offset < png.data.length; offset += 4) {
    result.push([png.data[offset] as number, png.data[offset + 1] as number, png.data[offset + 2] as number, png.data[offset + 3] as number]);
  }
  return result;
}

describe('colour icon', () => {
  const png = PNG.sync.read(renderColorIcon());

  it('is 192×192 as Teams requires', () => {
    expect(COLOR_ICON_SIZE).toBe(192);
    expect([png.width, png.height]).toEqual([192, 192]);
  });

  it('is an opaque, many-coloured picture rather than a flat square', () => {
    const all = pixels(png);
    expect(all.every(([, , , alpha]) => alpha === 255)).toBe(true);
    const colours = new Set(all.map(([r, g, b]) => (r << 16) | (g << 8) | b));
    expect(colours.size).toBeGreaterThanOrEqual(10);
    // The centre (where the avatar stands) differs from the corner (the wall).
    const at = (x: number, y: number): string => pixels(png)[y * 192 + x]?.join(',') ?? '';
    expect(at(120, 100)).not.toBe(at(0, 0));
  });
});

describe('outline icon', () => {
  const png = PNG.sync.read(renderOutlineIcon());

  it('is 32×32 as Teams requires', () => {
    expect(OUTLINE_ICON_SIZE).toBe(32);
    expect([png.width, png.height]).toEqual([32, 32]);
  });

  it('is white on transparent only: every pixel white, alpha either 0 or 255', () => {
    const all = pixels(png);
    expect(all.every(([r, g, b]) => r === 255 && g === 255 && b === 255)).toBe(true);
    expect(all.every(([, , , alpha]) => alpha === 0 || alpha === 255)).toBe(true);
    const opaque = all.filter(([, , , alpha]) => alpha === 255).length;
    expect(opaque).toBeGreaterThan(100);
    expect(opaque).toBeLessThan(all.length / 2);
    // A transparent border: the shape does not touch the edges.
    for (let i = 0; i < 32; i++) {
      for (const [x, y] of [[i, 0], [i, 31], [0, i], [31, i]] as const) expect(all[y * 32 + x]?.[3]).toBe(0);
    }
  });
});

describe('icon output', () => {
  it('is deterministic', () => {
    expect(renderColorIcon().equals(renderColorIcon())).toBe(true);
    expect(renderOutlineIcon().equals(renderOutlineIcon())).toBe(true);
  });
});
