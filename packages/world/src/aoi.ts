import { WorldArgumentError } from './errors.js';
import type { TilePos } from './tile.js';

/** Side of an area-of-interest cell in tiles (DESIGN §3: the map is cut into cells of about 10x10 tiles). */
export const AOI_CELL_TILES = 10;

const EMPTY: ReadonlySet<never> = new Set<never>();

/** A rectangle of AOI cells, inclusive on both ends; empty when c0 > c1 or r0 > r1. */
export interface CellRect {
  readonly c0: number;
  readonly c1: number;
  readonly r0: number;
  readonly r1: number;
}

/** The rectangle that holds no cell: a client that has not been told about anything yet. */
export const EMPTY_RECT: CellRect = Object.freeze({ c0: 0, c1: -1, r0: 0, r1: -1 });

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new WorldArgumentError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function clampIndex(value: number, max: number): number {
  // NaN fails both comparisons and lands on 0 rather than poisoning the index.
  if (!(value > 0)) return 0;
  if (value >= max) return max - 1;
  return Math.floor(value);
}

/**
 * Spatial index of avatars by area-of-interest cell: the gateway fans a move out only to clients whose view covers
 * the mover's cell. Cells are numbered row-major (row * cols + col), so ascending cell lists are stable and
 * cheap to diff between ticks.
 */
export class AoiGrid<K = number> {
  readonly widthTiles: number;
  readonly heightTiles: number;
  readonly cellTiles: number;
  readonly cols: number;
  readonly rows: number;

  readonly #cells: Set<K>[];
  readonly #cellOfId = new Map<K, number>();

  constructor(widthTiles: number, heightTiles: number, cellTiles: number = AOI_CELL_TILES) {
    this.widthTiles = positiveInteger(widthTiles, 'widthTiles');
    this.heightTiles = positiveInteger(heightTiles, 'heightTiles');
    this.cellTiles = positiveInteger(cellTiles, 'cellTiles');
    this.cols = Math.ceil(widthTiles / cellTiles);
    this.rows = Math.ceil(heightTiles / cellTiles);
    this.#cells = Array.from({ length: this.cols * this.rows }, () => new Set<K>());
  }

  /** Number of avatars indexed. */
  get size(): number {
    return this.#cellOfId.size;
  }

  /** The cell holding tile (x, y); positions outside the map count as the nearest edge tile. */
  cellOf(x: number, y: number): number {
    const col = Math.floor(clampIndex(x, this.widthTiles) / this.cellTiles);
    const row = Math.floor(clampIndex(y, this.heightTiles) / this.cellTiles);
    return row * this.cols + col;
  }

  /** The cell an avatar is indexed in, or undefined if it is not indexed. */
  cellOfId(id: K): number | undefined {
    return this.#cellOfId.get(id);
  }

  has(id: K): boolean {
    return this.#cellOfId.has(id);
  }

  /** Indexes an avatar and returns its cell. Inserting an id that is already indexed moves it. */
  insert(id: K, x: number, y: number): number {
    return this.move(id, x, y).to;
  }

  /**
   * Re-indexes an avatar after a step. Most steps stay within a cell and then cost one map lookup. An id that was not
   * indexed is inserted and reported with `from: -1`.
   */
  move(id: K, x: number, y: number): { from: number; to: number } {
    const to = this.cellOf(x, y);
    const from = this.#cellOfId.get(id);
    if (from === to) return { from, to };
    if (from !== undefined) this.#cells[from]?.delete(id);
    this.#cells[to]?.add(id);
    this.#cellOfId.set(id, to);
    return { from: from ?? -1, to };
  }

  /** Drops an avatar from the index; unknown ids are ignored. */
  remove(id: K): void {
    const cell = this.#cellOfId.get(id);
    if (cell === undefined) return;
    this.#cells[cell]?.delete(id);
    this.#cellOfId.delete(id);
  }

  /** The ids in a cell. Live view: do not hold on to it across mutations. Empty for a cell number out of range. */
  idsInCell(cell: number): ReadonlySet<K> {
    return this.#cells[cell] ?? EMPTY;
  }

  /**
   * Every cell overlapping a viewport of viewCols x viewRows tiles centred on `centre`, grown by `marginTiles` on
   * each side and clamped to the map, in ascending order. The viewport is centred on the middle of the centre tile,
   * so it reaches ceil((viewCols - 1) / 2) whole or partial tiles to each side; fractional sizes are fine.
   */
  viewCells(centre: TilePos, viewCols: number, viewRows: number, marginTiles: number): number[] {
    const r = this.viewRect(centre, viewCols, viewRows, marginTiles);
    const cells: number[] = [];
    for (let row = r.r0; row <= r.r1; row++) {
      for (let c = r.c0; c <= r.c1; c++) cells.push(row * this.cols + c);
    }
    return cells;
  }

  /** The same cells as `viewCells`, as a rectangle: membership is four comparisons, with nothing allocated per cell. */
  viewRect(centre: TilePos, viewCols: number, viewRows: number, marginTiles: number): CellRect {
    const margin = marginTiles > 0 ? Math.ceil(marginTiles) : 0;
    const reachX = (viewCols > 1 ? Math.ceil((viewCols - 1) / 2) : 0) + margin;
    const reachY = (viewRows > 1 ? Math.ceil((viewRows - 1) / 2) : 0) + margin;
    const x0 = Math.max(0, Math.floor(centre.x) - reachX);
    const x1 = Math.min(this.widthTiles - 1, Math.floor(centre.x) + reachX);
    const y0 = Math.max(0, Math.floor(centre.y) - reachY);
    const y1 = Math.min(this.heightTiles - 1, Math.floor(centre.y) + reachY);
    if (!(x0 <= x1 && y0 <= y1)) return EMPTY_RECT;
    return {
      c0: Math.floor(x0 / this.cellTiles),
      c1: Math.floor(x1 / this.cellTiles),
      r0: Math.floor(y0 / this.cellTiles),
      r1: Math.floor(y1 / this.cellTiles),
    };
  }

  /** Every cell of the map, for a client that sees everything (the broadcast mode the benchmark compares against). */
  wholeRect(): CellRect {
    return { c0: 0, c1: this.cols - 1, r0: 0, r1: this.rows - 1 };
  }

  /** Whether a cell (by number; -1 is "nowhere") lies in a rectangle. */
  rectHas(rect: CellRect, cell: number): boolean {
    if (cell < 0) return false;
    const row = Math.floor(cell / this.cols);
    const col = cell - row * this.cols;
    return col >= rect.c0 && col <= rect.c1 && row >= rect.r0 && row <= rect.r1;
  }
}
