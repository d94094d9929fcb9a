/** Edge of one map tile in pixels. Every map, sprite sheet and pixel coordinate in MetaOffice assumes it. */
export const TILE_SIZE = 32;

/** Screen directions: y grows downwards, as in Tiled and on screen. */
export type Direction = 'up' | 'down' | 'left' | 'right';

/** A position in tile units (integers). */
export interface TilePos {
  x: number;
  y: number;
}

export const DIRECTIONS: readonly Direction[] = ['up', 'down', 'left', 'right'];
