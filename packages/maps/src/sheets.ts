// Facts about the generated images that a renderer needs. No Node imports here, so the browser can use it too.

/** The office tileset image, served beside the templates' assets (at /maps/office-tiles.png). */
export const tileset = {
  /** Tileset name inside every template (`map.addTilesetImage(tileset.name, key)` in Phaser). */
  name: 'office',
  image: 'office-tiles.png',
  tileWidth: 32,
  tileHeight: 32,
} as const;

/**
 * The avatar spritesheet (`avatars.png`): 32x32 frames, 12 columns. Look L's frames for direction row r
 * (0 down, 1 left, 2 right, 3 up) and column f start at (floor(L / 4) * 4 + r) * 12 + (L % 4) * 3, with
 * f = 0 right foot forward, 1 standing, 2 left foot forward: exactly grid-engine's numeric
 * `walkingAnimationMapping` (pass L).
 */
export const avatarSheet = {
  image: 'avatars.png',
  frameWidth: 32,
  frameHeight: 32,
  columns: 12,
  looks: 12,
} as const;

/** Frame index of look `look`, direction row `dirRow` (0 down, 1 left, 2 right, 3 up), column `f` (1 = standing). */
export function avatarFrame(look: number, dirRow: number, f: number): number {
  return (Math.floor(look / 4) * 4 + dirRow) * avatarSheet.columns + (look % 4) * 3 + f;
}
