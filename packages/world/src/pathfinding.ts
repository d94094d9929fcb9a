import { MinHeap } from './binary-heap.js';
import type { OfficeMap } from './office-map.js';
import type { TilePos } from './tile.js';

export const DEFAULT_MAX_PATH_NODES = 20000;

export interface FindPathOptions {
  /** Give up (return null) after expanding this many tiles. Bounds the cost of one click-to-walk request. */
  maxNodes?: number;
  /** Extra obstacles on top of the map, e.g. tiles other people stand on. Applies to `to` as well. */
  isBlocked?: (x: number, y: number) => boolean;
}

// Heap key = f * KEY_SCALE + h: lowest f first, then lowest h, so among equally short candidates the search keeps
// going towards the goal instead of fanning out (on open floor it expands little more than the path itself).
// h never exceeds 2 * MAX_MAP_SIDE, below KEY_SCALE.
const KEY_SCALE = 4096;

/**
 * Per-map scratch arrays, reused across searches. Entries are valid only when their stamp equals the current search's
 * stamp, so a search never has to clear arrays the size of the map.
 */
class SearchScratch {
  readonly stamp: Uint32Array;
  readonly closed: Uint32Array;
  readonly g: Uint32Array;
  readonly parent: Int32Array;
  current = 0;
  busy = false;

  constructor(size: number) {
    this.stamp = new Uint32Array(size);
    this.closed = new Uint32Array(size);
    this.g = new Uint32Array(size);
    this.parent = new Int32Array(size);
  }

  begin(): number {
    if (this.current === 0xffffffff) {
      this.stamp.fill(0);
      this.closed.fill(0);
      this.current = 0;
    }
    this.current++;
    return this.current;
  }
}

const scratchByMap = new WeakMap<OfficeMap, SearchScratch>();

function acquireScratch(map: OfficeMap): SearchScratch {
  let scratch = scratchByMap.get(map);
  if (scratch === undefined) {
    scratch = new SearchScratch(map.width * map.height);
    scratchByMap.set(map, scratch);
  }
  // An isBlocked callback that itself searches the same map must not trample the outer search.
  return scratch.busy ? new SearchScratch(map.width * map.height) : scratch;
}

/**
 * A* over the 4-neighbourhood. Returns the tiles to step on, excluding `from` and ending at `to` (each a legal
 * checkStep from the previous one), [] when already there, or null when `to` cannot be reached, is not walkable or
 * blocked, or the search gave up after `maxNodes` expansions. Paths are shortest.
 */
export function findPath(map: OfficeMap, from: TilePos, to: TilePos, opts: FindPathOptions = {}): TilePos[] | null {
  if (from.x === to.x && from.y === to.y) return [];
  if (!map.inBounds(from.x, from.y)) return null;
  const isBlocked = opts.isBlocked;
  if (!map.isWalkable(to.x, to.y) || (isBlocked !== undefined && isBlocked(to.x, to.y))) return null;
  const maxNodes = opts.maxNodes ?? DEFAULT_MAX_PATH_NODES;

  const width = map.width;
  const height = map.height;
  const goal = to.y * width + to.x;
  const start = from.y * width + from.x;
  const tx = to.x;
  const ty = to.y;

  const scratch = acquireScratch(map);
  scratch.busy = true;
  try {
    const run = scratch.begin();
    const { stamp, closed, g, parent } = scratch;
    const heap = new MinHeap();
    const h0 = Math.abs(from.x - tx) + Math.abs(from.y - ty);
    stamp[start] = run;
    g[start] = 0;
    parent[start] = -1;
    heap.push(start, h0 * KEY_SCALE + h0);

    let expanded = 0;
    for (;;) {
      const node = heap.pop();
      if (node === undefined) return null;
      if (closed[node] === run) continue; // stale duplicate: a shorter route already settled it
      closed[node] = run;
      if (node === goal) return reconstruct(parent, start, goal, width);
      if (++expanded > maxNodes) return null;

      const x = node % width;
      const y = (node - x) / width;
      const gNext = (g[node] ?? 0) + 1;
      for (let k = 0; k < 4; k++) {
        const nx = k === 0 ? x + 1 : k === 1 ? x - 1 : x;
        const ny = k === 2 ? y + 1 : k === 3 ? y - 1 : y;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const next = ny * width + nx;
        if (closed[next] === run) continue;
        if (stamp[next] === run) {
          if ((g[next] ?? 0) <= gNext) continue;
        } else if (!map.isWalkable(nx, ny) || (isBlocked !== undefined && isBlocked(nx, ny))) {
          closed[next] = run; // never ask about this tile again in this search
          continue;
        }
        stamp[next] = run;
        g[next] = gNext;
        parent[next] = node;
        const h = Math.abs(nx - tx) + Math.abs(ny - ty);
        heap.push(next, (gNext + h) * KEY_SCALE + h);
      }
    }
  } finally {
    scratch.busy = false;
  }
}

function reconstruct(parent: Int32Array, start: number, goal: number, width: number): TilePos[] {
  const path: TilePos[] = [];
  for (let node = goal; node !== start; node = parent[node] ?? start) {
    path.push({ x: node % width, y: Math.floor(node / width) });
  }
  return path.reverse();
}

// Orthogonal neighbours first: standing beside someone reads better than standing at their corner, and a diagonal
// neighbour is still within conversation range.
const RING_OFFSETS: readonly (readonly [number, number])[] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
  [-1, -1],
  [1, -1],
  [-1, 1],
  [1, 1],
];

/**
 * The first walkable (and free) tile found by a breadth-first search outward from `around`, never `around` itself:
 * the spot to place someone going or teleporting next to a person. The search only crosses walkable tiles (occupied
 * ones included) and never cuts a corner between two blocked tiles, so the result is on the same side of any wall as
 * `around`. `maxRadius` bounds the Chebyshev distance from `around`. Null when no tile qualifies.
 */
export function nearestWalkable(
  map: OfficeMap,
  around: TilePos,
  isFree?: (x: number, y: number) => boolean,
  maxRadius: number = Infinity,
): TilePos | null {
  if (!map.inBounds(around.x, around.y) || !(maxRadius >= 1)) return null;
  const width = map.width;
  const visited = new Set<number>([around.y * width + around.x]);
  const queue: number[] = [around.y * width + around.x];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    const x = node % width;
    const y = (node - x) / width;
    for (const [dx, dy] of RING_OFFSETS) {
      const nx = x + dx;
      const ny = y + dy;
      if (Math.max(Math.abs(nx - around.x), Math.abs(ny - around.y)) > maxRadius) continue;
      if (!map.isWalkable(nx, ny)) continue;
      if (dx !== 0 && dy !== 0 && !map.isWalkable(x + dx, y) && !map.isWalkable(x, y + dy)) continue;
      const next = ny * width + nx;
      if (visited.has(next)) continue;
      visited.add(next);
      if (isFree === undefined || isFree(nx, ny)) return { x: nx, y: ny };
      queue.push(next);
    }
  }
  return null;
}
