import { PNG } from 'pngjs';

/** Teams wants a 192×192 full-colour icon and a 32×32 outline icon. */
export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

type Rgba = readonly [number, number, number, number];

/**
 * The colour icon as 16×16 pixel art (each cell 12×12 pixels): an avatar standing in the office, a window behind, a
 * desk with a monitor beside, on a checkered floor. Every row is 16 cells.
 */
const COLOR_ART = [
  'WWWWWWWWWWWWWWWW',
  'WKKKKKWWWWWWWWWW',
  'WKGLGKWWWHHHHWWW',
  'WKLGGKWWHHHHHHWW',
  'WKKKKKWWHSSSSHWW',
  'WWWWWWWWSESSESWW',
  'WWWWWWWWSSSSSSWW',
  'WWWWWWWWWSMMSWWW',
  'WMMMMWWBBBBBBBBW',
  'WMCCMWBBBBBBBBBB',
  'WMCCMWSBBBBBBBBS',
  'WMMMMWWBBBBBBBBW',
  'WWMMWWWWPPPWPPPW',
  'DDDDDDfFPPPfPPPF',
  'fDFfDfFfPPFfPPfF',
  'FDfFDFfFNNfFNNFf',
];

const COLOR_PALETTE: Readonly<Record<string, Rgba>> = {
  W: [0x4f, 0x52, 0xb2, 0xff], // wall, the accent colour
  K: [0xe8, 0xe6, 0xf5, 0xff], // window frame
  G: [0x9f, 0xd8, 0xf5, 0xff], // glass
  L: [0xe2, 0xf4, 0xfd, 0xff], // glass highlight
  H: [0x4a, 0x2c, 0x1a, 0xff], // hair
  S: [0xf2, 0xc2, 0x97, 0xff], // skin
  E: [0x1f, 0x1f, 0x2e, 0xff], // eyes
  M: [0x2b, 0x2b, 0x3a, 0xff], // mouth, monitor frame
  C: [0x6b, 0xe0, 0xa6, 0xff], // monitor screen
  B: [0xf5, 0x9e, 0x2b, 0xff], // shirt
  P: [0x2e, 0x4a, 0x7d, 0xff], // trousers
  N: [0x3b, 0x2a, 0x20, 0xff], // shoes
  D: [0xa0, 0x6a, 0x3c, 0xff], // desk
  F: [0xc9, 0xcc, 0xe8, 0xff], // floor tile
  f: [0xb3, 0xb6, 0xdb, 0xff], // floor tile, darker
};

/** The outline icon as 16×16 pixel art (each cell 2×2 pixels): the avatar's silhouette. */
const OUTLINE_ART = [
  '................',
  '......####......',
  '.....######.....',
  '.....######.....',
  '.....######.....',
  '......####......',
  '................',
  '....########....',
  '...##########...',
  '...##########...',
  '...##.####.##...',
  '...##.####.##...',
  '......#..#......',
  '......#..#......',
  '.....##..##.....',
  '................',
];

// Teams requires the outline to be white on a fully transparent background: only the alpha channel carries the shape.
const OUTLINE_PALETTE: Readonly<Record<string, Rgba>> = {
  '#': [0xff, 0xff, 0xff, 0xff],
  '.': [0xff, 0xff, 0xff, 0x00],
};

function render(art: readonly string[], palette: Readonly<Record<string, Rgba>>, size: number): Buffer {
  const cell = size / art.length;
  const png = new PNG({ width: size, height: size, colorType: 6 });
  for (let y = 0; y < size; y++) {
    const row = art[Math.floor(y / cell)] as string;
    for (let x = 0; x < size; x++) {
      const colour = palette[row[Math.floor(x / cell)] as string] as Rgba;
      png.data.set(colour, (y * size + x) * 4);
    }
  }
  // Fixed encoder settings, so the same art always gives the same bytes and the package is reproducible. Plain
  // deflate (strategy 0) rather than pngjs' default run-length strategy, which barely shrinks blocky pixel art.
  return PNG.sync.write(png, { colorType: 6, deflateLevel: 9, deflateStrategy: 0, filterType: 0 });
}

export function renderColorIcon(): Buffer {
  return render(COLOR_ART, COLOR_PALETTE, COLOR_ICON_SIZE);
}

export function renderOutlineIcon(): Buffer {
  return render(OUTLINE_ART, OUTLINE_PALETTE, OUTLINE_ICON_SIZE);
}
