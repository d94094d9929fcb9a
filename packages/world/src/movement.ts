import type { OfficeMap } from './office-map.js';
import type { Direction, TilePos } from './tile.js';

/** Exactly one tile apart horizontally or vertically (a legal walking step). */
export function isAdjacent4(a: TilePos, b: TilePos): boolean {
  const dx = Math.abs(a.x - b.x);
  const dy = Math.abs(a.y - b.y);
  return (dx === 1 && dy === 0) || (dx === 0 && dy === 1);
}

/** Different tiles within one tile in both axes, diagonals included (the conversation neighbourhood). */
export function isAdjacent8(a: TilePos, b: TilePos): boolean {
  const dx = Math.abs(a.x - b.x);
  const dy = Math.abs(a.y - b.y);
  return dx <= 1 && dy <= 1 && dx + dy > 0;
}

/**
 * The direction to face when going from `from` towards `to`. For tiles that are not adjacent it is the axis with
 * the larger distance; a tie goes to the horizontal axis, and the same tile faces 'down' (towards the viewer).
 */
export function directionBetween(from: TilePos, to: TilePos): Direction {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (dx === 0 && dy === 0) return 'down';
  if (Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? 'right' : 'left';
  return dy > 0 ? 'down' : 'up';
}

export function stepFrom(p: TilePos, d: Direction): TilePos {
  switch (d) {
    case 'up':
      return { x: p.x, y: p.y - 1 };
    case 'down':
      return { x: p.x, y: p.y + 1 };
    case 'left':
      return { x: p.x - 1, y: p.y };
    case 'right':
      return { x: p.x + 1, y: p.y };
  }
}

export type StepRejection = 'not-adjacent' | 'blocked' | 'out-of-bounds';
export type StepVerdict = { ok: true } | { ok: false; reason: StepRejection };

const OK: StepVerdict = Object.freeze({ ok: true });
const NOT_ADJACENT: StepVerdict = Object.freeze({ ok: false, reason: 'not-adjacent' });
const BLOCKED: StepVerdict = Object.freeze({ ok: false, reason: 'blocked' });
const OUT_OF_BOUNDS: StepVerdict = Object.freeze({ ok: false, reason: 'out-of-bounds' });

/**
 * The server's verdict on one requested step (speed is StepRateLimiter's job). Staying on the same tile is a turn in
 * place and always allowed, so a client can face another way without moving.
 */
export function checkStep(map: OfficeMap, from: TilePos, to: TilePos): StepVerdict {
  if (from.x === to.x && from.y === to.y) return OK;
  if (!isAdjacent4(from, to)) return NOT_ADJACENT;
  if (!map.inBounds(to.x, to.y)) return OUT_OF_BOUNDS;
  if (!map.isWalkable(to.x, to.y)) return BLOCKED;
  return OK;
}
