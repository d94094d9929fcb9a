import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AOI_CELL_TILES, AoiGrid } from './aoi.js';
import { WorldArgumentError } from './errors.js';

const dims = fc.record({
  w: fc.integer({ min: 1, max: 60 }),
  h: fc.integer({ min: 1, max: 60 }),
  cell: fc.integer({ min: 1, max: 12 }),
});

/** The cell of an in-map tile, computed from first principles. */
function naiveCell(grid: AoiGrid, x: number, y: number): number {
  return Math.floor(y / grid.cellTiles) * grid.cols + Math.floor(x / grid.cellTiles);
}

type Op =
  | { kind: 'insert'; id: number; x: number; y: number }
  | { kind: 'move'; id: number; x: number; y: number }
  | { kind: 'remove'; id: number };

describe('AoiGrid geometry', () => {
  it('covers the map with ceil(size / cell) columns and rows', () => {
    const grid = new AoiGrid(95, 40);
    expect(grid.cellTiles).toBe(AOI_CELL_TILES);
    expect([grid.cols, grid.rows]).toEqual([10, 4]);
    expect(grid.cellOf(94, 39)).toBe(39);
  });

  it('cellOf matches the naive formula inside the map and clamps outside it', () => {
    fc.assert(
      fc.property(dims, fc.integer({ min: -100, max: 200 }), fc.integer({ min: -100, max: 200 }), ({ w, h, cell }, x, y) => {
        const grid = new AoiGrid(w, h, cell);
        const cx = Math.min(Math.max(x, 0), w - 1);
        const cy = Math.min(Math.max(y, 0), h - 1);
        expect(grid.cellOf(x, y)).toBe(naiveCell(grid, cx, cy));
        expect(grid.cellOf(x, y)).toBeLessThan(grid.cols * grid.rows);
      }),
    );
    expect(new AoiGrid(10, 10).cellOf(Number.NaN, Number.NaN)).toBe(0);
  });

  it('viewCells holds the cell of every tile in the view rectangle, and only cells that overlap it', () => {
    fc.assert(
      fc.property(
        dims,
        fc.record({ x: fc.integer({ min: -5, max: 65 }), y: fc.integer({ min: -5, max: 65 }) }),
        fc.integer({ min: 1, max: 41 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 8 }),
        ({ w, h, cell }, centre, viewCols, viewRows, margin) => {
          const grid = new AoiGrid(w, h, cell);
          const cells = grid.viewCells(centre, viewCols, viewRows, margin);
          // A view of viewCols tiles centred on a tile shows floor((viewCols - 1) / 2) whole tiles each side for odd
          // widths and up to viewCols / 2 (one of them partly) for even widths; take the wider.
          const reachX = Math.ceil((viewCols - 1) / 2) + margin;
          const reachY = Math.ceil((viewRows - 1) / 2) + margin;
          const expected = new Set<number>();
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              if (Math.abs(x - centre.x) <= reachX && Math.abs(y - centre.y) <= reachY) expected.add(naiveCell(grid, x, y));
            }
          }
          expect(cells).toEqual([...expected].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('viewCells includes every avatar a client can see, wherever the avatars are', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ x: fc.integer({ min: 0, max: 99 }), y: fc.integer({ min: 0, max: 79 }) }), { maxLength: 50 }),
        fc.record({ x: fc.integer({ min: 0, max: 99 }), y: fc.integer({ min: 0, max: 79 }) }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        (avatars, me, viewCols, viewRows) => {
          const grid = new AoiGrid(100, 80);
          avatars.forEach((a, id) => grid.insert(id, a.x, a.y));
          const visible = new Set<number>();
          for (const c of grid.viewCells(me, viewCols, viewRows, 0)) for (const id of grid.idsInCell(c)) visible.add(id);
          avatars.forEach((a, id) => {
            // Seen on screen: its tile overlaps the viewport [me + 0.5 - view/2, me + 0.5 + view/2).
            const onScreenX = a.x + 1 > me.x + 0.5 - viewCols / 2 && a.x < me.x + 0.5 + viewCols / 2;
            const onScreenY = a.y + 1 > me.y + 0.5 - viewRows / 2 && a.y < me.y + 0.5 + viewRows / 2;
            if (onScreenX && onScreenY) expect(visible.has(id)).toBe(true);
          });
        },
      ),
    );
  });

  it('viewCells is empty for a view entirely outside the map and full for a huge view', () => {
    const grid = new AoiGrid(30, 20);
    expect(grid.viewCells({ x: 100, y: 100 }, 5, 5, 0)).toEqual([]);
    expect(grid.viewCells({ x: 0, y: 0 }, 1000, 1000, 0)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects impossible sizes with a typed error', () => {
    expect(() => new AoiGrid(0, 10)).toThrow(WorldArgumentError);
    expect(() => new AoiGrid(10, 10, 0)).toThrow(WorldArgumentError);
    expect(() => new AoiGrid(10.5, 10)).toThrow(WorldArgumentError);
  });
});

describe('AoiGrid membership', () => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), id: fc.integer({ min: 0, max: 9 }), x: fc.integer({ min: -3, max: 40 }), y: fc.integer({ min: -3, max: 40 }) }),
    fc.record({ kind: fc.constant('move' as const), id: fc.integer({ min: 0, max: 9 }), x: fc.integer({ min: -3, max: 40 }), y: fc.integer({ min: -3, max: 40 }) }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 9 }) }),
  );

  it('insert/move/remove keep idsInCell, size and returned cells consistent with a naive model', () => {
    fc.assert(
      fc.property(dims, fc.array(op, { maxLength: 80 }), ({ w, h, cell }, ops) => {
        const grid = new AoiGrid(w, h, cell);
        const model = new Map<number, number>(); // id -> cell
        const cellOfPos = (x: number, y: number): number =>
          naiveCell(grid, Math.min(Math.max(x, 0), w - 1), Math.min(Math.max(y, 0), h - 1));
        for (const o of ops) {
          if (o.kind === 'remove') {
            grid.remove(o.id);
            model.delete(o.id);
          } else {
            const before = model.get(o.id);
            const to = cellOfPos(o.x, o.y);
            if (o.kind === 'insert') {
              expect(grid.insert(o.id, o.x, o.y)).toBe(to);
            } else {
              expect(grid.move(o.id, o.x, o.y)).toEqual({ from: before ?? -1, to });
            }
            model.set(o.id, to);
          }
          expect(grid.size).toBe(model.size);
          const byCell = new Map<number, number[]>();
          for (const [id, c] of model) byCell.set(c, [...(byCell.get(c) ?? []), id]);
          for (let c = 0; c < grid.cols * grid.rows; c++) {
            const actual = grid.idsInCell(c);
            const expected = byCell.get(c) ?? [];
            if (actual.size !== expected.length || !expected.every((id) => actual.has(id))) {
              expect([...actual].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
            }
          }
          for (const [id, c] of model) expect(grid.cellOfId(id)).toBe(c);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('idsInCell is empty for cells out of range and remove ignores unknown ids', () => {
    const grid = new AoiGrid(20, 20);
    grid.remove(42);
    expect(grid.size).toBe(0);
    expect(grid.idsInCell(-1).size).toBe(0);
    expect(grid.idsInCell(4).size).toBe(0);
    grid.insert(1, 15, 15);
    expect([...grid.idsInCell(3)]).toEqual([1]);
    expect(grid.move(1, 16, 12)).toEqual({ from: 3, to: 3 });
  });
});
