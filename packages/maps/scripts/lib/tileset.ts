// The office tileset: every tile is drawn here, in code, so the art is the project's own.
// Multi-tile furniture is drawn whole on a larger canvas and then sliced, which keeps shading continuous.
import { Img, mix, prng, shade, withAlpha, type Colour } from './canvas.js';

export const TILE = 32;
export const COLUMNS = 8;

/** Where a tile is meant to go; `collide` tiles carry `ge_collide`. */
export type TileRole = 'floor' | 'wall' | 'furniture' | 'decoration';

export interface TileDef {
  name: string;
  role: TileRole;
  img: Img;
}

const INK = '#2b2233'; // outline colour shared by furniture

// ---------------------------------------------------------------- palette
const P = {
  wood: ['#c28f5a', '#cd9a63', '#b7864f', '#c9955e'],
  woodSeam: '#8a5b36',
  woodGrain: '#a8774a',
  woodLight: '#dcaf78',
  office: '#8e9ab0',
  blueCarpet: '#6f8fca',
  greenCarpet: '#7fae74',
  lilacCarpet: '#a795c6',
  stone: '#ddd6c9',
  stoneGrout: '#bdb3a3',
  checkA: '#f0e8d8',
  checkB: '#a7c4b4',
  capFill: '#5b5270',
  capRim: '#756c8c',
  capInk: '#2b2233',
  paper: '#efe6d3',
  paperStripe: '#e6dbc5',
  paperShadow: '#cfc2aa',
  wainscot: '#b48a60',
  wainscotDark: '#99714b',
  wainscotLight: '#c89e72',
  rail: '#d4ab7c',
  baseboard: '#5f4634',
  deskTop: '#dcb887',
  deskTopLight: '#e8c99c',
  deskFront: '#b28558',
  deskLeg: '#7c5a3c',
  tableTop: '#a8703f',
  tableTopLight: '#bb844f',
  tableFront: '#83552f',
  screen: '#4d8fc4',
  screenLight: '#8cc8ea',
  bezel: '#2f2d3c',
  steel: '#c5cbd6',
  steelDark: '#9099a8',
  leafA: '#4e9a4c',
  leafB: '#6cb85a',
  leafC: '#3a7a3e',
  leafHi: '#9bd67a',
  pot: '#c8693f',
  potDark: '#a3512f',
  potRim: '#dc8455',
  sofa: '#4f8c89',
  sofaLight: '#67a7a2',
  sofaDark: '#3c6e6c',
  mustard: '#dca54a',
  mustardLight: '#ecc06a',
  mustardDark: '#b7842f',
  chair: '#3f4b66',
  chairLight: '#56648a',
  chairDark: '#2f384e',
  glass: '#a9d8ee',
  glassLight: '#d9f1fb',
  frame: '#f6f1e7',
  frameShadow: '#d4cbbb',
};

// ---------------------------------------------------------------- helpers
function tile(): Img {
  return new Img(TILE, TILE);
}

function noise(img: Img, x: number, y: number, w: number, h: number, seed: number, amount: number): void {
  const r = prng(seed);
  for (let j = y; j < y + h; j++) {
    for (let i = x; i < x + w; i++) {
      const v = r();
      if (v < 0.18) img.put(i, j, shade(img.get(i, j), -amount));
      else if (v > 0.86) img.put(i, j, shade(img.get(i, j), amount * 0.8));
    }
  }
}

// ---------------------------------------------------------------- floors
function woodFloor(seed: number, dir: 'h' | 'v' = 'h'): Img {
  const img = tile();
  const r = prng(seed);
  for (let row = 0; row < 4; row++) {
    const base = P.wood[(row + seed) % P.wood.length]!;
    const y0 = row * 8;
    img.rect(0, y0, 32, 8, base);
    img.hline(0, 31, y0, shade(base, 0.1));
    img.hline(0, 31, y0 + 7, P.woodSeam);
    // One butt joint per plank row, staggered between rows.
    const joint = (row * 11 + seed * 7 + 5) % 32;
    img.vline(joint, y0, y0 + 6, P.woodSeam);
    img.vline((joint + 1) % 32, y0 + 1, y0 + 6, shade(base, 0.08));
    for (let k = 0; k < 3; k++) {
      const gx = Math.floor(r() * 28);
      const gy = y0 + 2 + Math.floor(r() * 4);
      const len = 3 + Math.floor(r() * 6);
      img.hline(gx, Math.min(31, gx + len), gy, mix(base, P.woodGrain, 0.6));
    }
    if (r() < 0.5) {
      const kx = 3 + Math.floor(r() * 24);
      img.put(kx, y0 + 3 + Math.floor(r() * 2), P.woodGrain);
    }
  }
  if (dir === 'h') return img;
  // Rotate for vertical planks.
  const rot = tile();
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) rot.put(x, y, img.get(y, 31 - x));
  return rot;
}

function carpet(base: Colour, seed: number, seams: boolean): Img {
  const img = tile();
  img.rect(0, 0, 32, 32, base);
  const r = prng(seed);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      // Woven look: a faint diagonal rib plus speckle.
      if ((x + y * 2) % 6 === 0) img.put(x, y, shade(base, -0.05));
      const v = r();
      if (v < 0.1) img.put(x, y, shade(base, -0.1));
      else if (v > 0.93) img.put(x, y, shade(base, 0.1));
    }
  }
  if (seams) {
    img.hline(0, 31, 0, shade(base, -0.12));
    img.vline(0, 0, 31, shade(base, -0.12));
    img.hline(1, 31, 1, shade(base, 0.06));
  }
  return img;
}

function stoneFloor(seed: number): Img {
  const img = tile();
  const r = prng(seed);
  for (let ty = 0; ty < 2; ty++) {
    for (let tx = 0; tx < 2; tx++) {
      const base = mix(P.stone, ['#e3dccf', '#d6cebf', '#dcd4c6', '#e0d9cb'][ty * 2 + tx]!, 0.8);
      const x0 = tx * 16;
      const y0 = ty * 16;
      img.rect(x0, y0, 16, 16, base);
      img.hline(x0, x0 + 15, y0, P.stoneGrout);
      img.vline(x0, y0, y0 + 15, P.stoneGrout);
      img.hline(x0 + 1, x0 + 15, y0 + 1, shade(base, 0.25));
      img.vline(x0 + 1, y0 + 1, y0 + 15, shade(base, 0.15));
      img.hline(x0 + 1, x0 + 15, y0 + 15, shade(base, -0.04));
      for (let k = 0; k < 5; k++) img.put(x0 + 2 + Math.floor(r() * 13), y0 + 2 + Math.floor(r() * 13), shade(base, -0.06));
    }
  }
  return img;
}

function checkerFloor(): Img {
  const img = tile();
  for (let ty = 0; ty < 2; ty++) {
    for (let tx = 0; tx < 2; tx++) {
      const base = (tx + ty) % 2 === 0 ? P.checkA : P.checkB;
      img.rect(tx * 16, ty * 16, 16, 16, base);
      img.hline(tx * 16, tx * 16 + 15, ty * 16, shade(base, 0.25));
      img.hline(tx * 16, tx * 16 + 15, ty * 16 + 15, shade(base, -0.08));
    }
  }
  return img;
}

/** A two-tile entrance mat. */
function doormat(base: Img): Img {
  const img = new Img(64, 32);
  img.blit(base, 0, 0);
  img.blit(base, 32, 0);
  img.rrect(3, 4, 58, 24, '#4f403a', 2);
  img.rrect(5, 6, 54, 20, '#76604f', 1);
  for (let x = 7; x < 57; x += 3) img.vline(x, 8, 23, '#6a5447');
  img.hline(5, 58, 27, withAlpha('#000000', 60));
  return img;
}

/** Interior doorway: the floor of the opening, with the shadow of the door jamb on one side. */
function doorway(side: 'l' | 'r' | 'v'): Img {
  const img = woodFloor(7, side === 'v' ? 'h' : 'v');
  const jamb = withAlpha('#3a2a20', 90);
  if (side === 'l') img.rect(0, 0, 3, 32, jamb);
  if (side === 'r') img.rect(29, 0, 3, 32, jamb);
  if (side === 'v') {
    img.rect(0, 0, 32, 3, jamb);
  }
  return img;
}

// ---------------------------------------------------------------- rug (3x3 slices on wood)
interface RugColours {
  red: string;
  cream: string;
  navy: string;
  gold: string;
}
const PERSIAN: RugColours = { red: '#b5524a', cream: '#f1e2c4', navy: '#3e4d7a', gold: '#e0b050' };
const WELCOME: RugColours = { red: '#3f8f8a', cream: '#f1e9d6', navy: '#2f5f6e', gold: '#f0c060' };

function rug(base: () => Img, colours: RugColours): Img {
  const img = new Img(96, 96);
  for (let ty = 0; ty < 3; ty++) for (let tx = 0; tx < 3; tx++) img.blit(base(), tx * 32, ty * 32);
  const m = 5; // margin from the tile edge to the rug's edge
  const { red, cream, navy, gold } = colours;
  for (let y = m; y < 96 - m; y++) {
    for (let x = m; x < 96 - m; x++) {
      const dx = Math.min(x - m, 95 - m - x);
      const dy = Math.min(y - m, 95 - m - y);
      const d = Math.min(dx, dy);
      let c: Colour;
      if (d === 0) c = shade(red, -0.35);
      else if (d < 4) c = red;
      else if (d === 4) c = cream;
      else if (d < 7) c = navy;
      else if (d === 7) c = gold;
      else {
        // Field: a diamond lattice with a period of 16 px, so the middle slices repeat cleanly.
        const px = ((x % 16) + 16) % 16;
        const py = ((y % 16) + 16) % 16;
        const k = Math.abs(px - 8) + Math.abs(py - 8);
        c = k === 6 ? cream : k < 3 ? gold : k === 7 ? shade(red, -0.1) : red;
      }
      img.put(x, y, c);
    }
  }
  // Corner pixels cut for a soft edge.
  for (const [cx, cy] of [
    [m, m],
    [95 - m, m],
    [m, 95 - m],
    [95 - m, 95 - m],
  ] as const)
    img.put(cx, cy, base().get(cx % 32, cy % 32));
  // Fringe on the short sides.
  for (let x = m + 1; x < 96 - m - 1; x += 2) {
    img.vline(x, m - 3, m - 1, cream);
    img.vline(x, 96 - m, 96 - m + 2, cream);
  }
  // Slight shadow along the bottom edge.
  img.hline(m + 1, 95 - m, 96 - m, withAlpha('#000000', 50));
  return img;
}

// ---------------------------------------------------------------- walls
/** Wall top seen from above. `open*` is true where the neighbour is not wall top, so an edge is drawn. */
function wallCap(openN: boolean, openE: boolean, openS: boolean, openW: boolean): Img {
  const img = tile();
  img.rect(0, 0, 32, 32, P.capFill);
  // A faint brick-ish texture so large wall tops are not flat.
  for (let y = 3; y < 32; y += 8) img.hline(0, 31, y, shade(P.capFill, -0.06));
  for (let y = 0; y < 32; y += 8) {
    const off = (y / 8) % 2 === 0 ? 6 : 22;
    img.vline(off, y + 4, y + 7, shade(P.capFill, -0.06));
  }
  if (openN) {
    img.hline(0, 31, 0, P.capInk);
    img.hline(0, 31, 1, P.capRim);
  }
  if (openW) {
    img.vline(0, 0, 31, P.capInk);
    img.vline(1, openN ? 1 : 0, 31, P.capRim);
  }
  if (openE) {
    img.vline(31, 0, 31, P.capInk);
    img.vline(30, openN ? 1 : 0, 31, shade(P.capFill, -0.12));
  }
  if (openS) {
    img.hline(0, 31, 31, P.capInk);
    img.hline(openW ? 1 : 0, openE ? 30 : 31, 30, shade(P.capFill, -0.15));
  }
  if (openN && openW) img.put(0, 0, withAlpha(P.capInk, 0));
  if (openN && openE) img.put(31, 0, withAlpha(P.capInk, 0));
  return img;
}

type FaceKind = 'plain' | 'window';

/** The wall's front face (3/4 view). `capStrip` draws a thin wall top when nothing sits above it. */
function wallFace(edgeW: boolean, edgeE: boolean, capStrip: boolean, kind: FaceKind): Img {
  const img = tile();
  const top = capStrip ? 6 : 0;
  if (capStrip) {
    img.rect(0, 0, 32, 6, P.capFill);
    img.hline(0, 31, 0, P.capInk);
    img.hline(0, 31, 1, P.capRim);
    img.hline(0, 31, 5, P.capInk);
  }
  // Wallpaper with soft vertical stripes, a chair rail, a low wainscot and the baseboard.
  const railY = 23;
  img.rect(0, top, 32, railY - top, P.paper);
  for (let x = 3; x < 32; x += 8) img.vline(x, top, railY - 1, P.paperStripe);
  img.hline(0, 31, top, P.paperShadow);
  img.hline(0, 31, top + 1, mix(P.paper, P.paperShadow, 0.5));
  img.hline(0, 31, railY, P.rail);
  img.rect(0, railY + 1, 32, 5, P.wainscot);
  for (const px of [2, 18]) {
    img.box(px, railY + 2, 12, 3, P.wainscotDark);
    img.hline(px + 1, px + 10, railY + 2, P.wainscotLight);
  }
  img.rect(0, 29, 32, 3, P.baseboard);
  img.hline(0, 31, 29, shade(P.baseboard, 0.25));
  if (kind === 'window') {
    const wy = top + 3;
    const wb = railY - 3; // bottom of the glass
    img.rect(3, wy, 26, wb - wy + 1, P.frame);
    for (let y = wy + 1; y < wb; y++) {
      const t = (y - wy) / (wb - wy);
      img.hline(4, 27, y, mix(P.glassLight, P.glass, t));
    }
    // Distant trees along the bottom of the view, and reflections.
    for (let x = 4; x < 28; x++) {
      const h = 2 + Math.round(1.5 + 1.5 * Math.sin(x * 0.9) + Math.sin(x * 0.37));
      img.vline(x, wb - h, wb - 1, x % 5 === 0 ? '#7fb86a' : '#94c67c');
    }
    for (let k = 0; k < 2; k++) img.line(6 + k * 3, wb - 6, 11 + k * 3, wy + 2, withAlpha('#ffffff', 130));
    img.vline(15, wy, wb, P.frame);
    img.vline(16, wy, wb, P.frameShadow);
    img.box(3, wy, 26, wb - wy + 1, P.frameShadow);
    img.hline(4, 27, wy, P.frame);
    // Sill.
    img.rect(2, wb + 1, 28, 2, P.frame);
    img.hline(2, 29, wb + 2, P.frameShadow);
  }
  if (edgeW) {
    img.vline(0, top, 31, P.capInk);
    img.vline(1, top, 31, withAlpha('#ffffff', 60));
  }
  if (edgeE) {
    img.vline(31, top, 31, P.capInk);
    img.vline(30, top, 31, withAlpha('#000000', 40));
  }
  return img;
}

// ---------------------------------------------------------------- furniture
function finish(img: Img): Img {
  img.outline(INK);
  return img;
}

function monitorFront(img: Img, x: number, y: number): void {
  img.rect(x, y, 20, 14, P.bezel);
  img.rect(x + 2, y + 2, 16, 10, P.screen);
  img.hline(x + 2, x + 17, y + 2, P.screenLight);
  // A few lines of "code" on the screen.
  const cols = ['#f3d27a', '#e9f3fb', '#9ee39b', '#f29b8c'];
  for (let k = 0; k < 4; k++) img.hline(x + 4 + (k % 2) * 2, x + 8 + ((k * 5) % 7), y + 4 + k * 2, cols[k]!);
  img.rect(x + 8, y + 14, 4, 2, P.steelDark);
  img.rect(x + 6, y + 16, 8, 1, P.steelDark);
}

function deskFront(): Img {
  const img = new Img(64, 32);
  img.rect(1, 11, 62, 12, P.deskTop);
  img.hline(1, 62, 11, P.deskTopLight);
  img.hline(1, 62, 12, P.deskTopLight);
  img.rect(1, 23, 62, 4, P.deskFront);
  img.hline(1, 62, 23, shade(P.deskFront, -0.15));
  img.rect(2, 27, 3, 5, P.deskLeg);
  img.rect(59, 27, 3, 5, P.deskLeg);
  img.rect(26, 27, 2, 3, shade(P.deskLeg, 0.2));
  // Left half: monitor, keyboard, mouse.
  monitorFront(img, 6, 0);
  img.rect(8, 18, 16, 3, P.steel);
  for (let x = 9; x < 23; x += 2) img.put(x, 19, P.steelDark);
  img.rect(27, 18, 2, 3, P.steel);
  // Right half: papers, mug, little plant.
  img.rect(35, 14, 11, 7, '#fbfbf7');
  img.rect(37, 13, 11, 7, '#ffffff');
  for (let y = 15; y < 19; y++) img.hline(39, 45, y, '#c9d3e0');
  img.rect(50, 15, 4, 5, '#e9594a');
  img.put(54, 16, '#e9594a');
  img.put(54, 17, '#e9594a');
  img.hline(50, 53, 15, '#ff8a7a');
  img.rect(56, 14, 5, 6, P.pot);
  img.hline(56, 60, 14, P.potRim);
  img.ellipse(54, 6, 9, 9, P.leafA);
  img.ellipse(56, 7, 5, 5, P.leafB);
  img.put(57, 8, P.leafHi);
  return finish(img);
}

function deskBack(): Img {
  const img = new Img(64, 32);
  img.rect(1, 3, 62, 20, P.deskTop);
  img.hline(1, 62, 3, P.deskTopLight);
  img.rect(1, 23, 62, 4, P.deskFront);
  img.hline(1, 62, 23, shade(P.deskFront, -0.15));
  img.rect(2, 27, 3, 5, P.deskLeg);
  img.rect(59, 27, 3, 5, P.deskLeg);
  // Keyboard behind the monitor, then the monitor's back.
  img.rect(8, 4, 16, 3, P.steel);
  img.rect(6, 9, 20, 13, '#4a4858');
  img.rect(7, 10, 18, 11, '#57556a');
  img.rect(13, 13, 6, 4, '#4a4858');
  img.hline(7, 24, 10, '#67657a');
  // Papers and a pen cup.
  img.rect(36, 8, 10, 8, '#ffffff');
  for (let y = 10; y < 15; y++) img.hline(38, 44, y, '#c9d3e0');
  img.rect(51, 10, 5, 7, '#5a78b8');
  img.vline(52, 6, 9, '#e9594a');
  img.vline(54, 7, 9, '#f3d27a');
  return finish(img);
}

function officeChair(facing: 'up' | 'down', base: Img): Img {
  const img = tile();
  img.blit(base, 0, 0);
  const c = new Img(32, 32);
  if (facing === 'up') {
    // Seat, then the backrest nearest to the viewer.
    c.rect(14, 24, 4, 4, '#2a2a33');
    c.rrect(9, 10, 14, 10, P.chair, 2);
    c.hline(11, 20, 11, P.chairLight);
    c.rrect(8, 17, 16, 10, P.chairDark, 2);
    c.rrect(9, 18, 14, 8, P.chair, 2);
    c.hline(10, 21, 18, P.chairLight);
    c.rect(8, 28, 3, 2, '#2a2a33');
    c.rect(21, 28, 3, 2, '#2a2a33');
  } else {
    c.rrect(8, 3, 16, 11, P.chairDark, 2);
    c.rrect(9, 4, 14, 9, P.chair, 2);
    c.hline(10, 21, 4, P.chairLight);
    c.rrect(9, 13, 14, 10, P.chair, 2);
    c.hline(11, 20, 14, P.chairLight);
    c.rect(14, 23, 4, 4, '#2a2a33');
    c.rect(8, 27, 3, 2, '#2a2a33');
    c.rect(21, 27, 3, 2, '#2a2a33');
  }
  c.outline(INK);
  // A soft floor shadow.
  img.ellipse(6, 24, 20, 7, withAlpha('#000000', 45));
  img.blit(c, 0, 0);
  return img;
}

/** Cushioned meeting chair in four orientations ("facing" is where the sitter looks). */
function meetingChair(facing: 'up' | 'down' | 'left' | 'right', base: Img, colour: string): Img {
  const img = tile();
  img.blit(base, 0, 0);
  const c = new Img(32, 32);
  const light = shade(colour, 0.25);
  const dark = shade(colour, -0.25);
  const leg = '#6b4a32';
  if (facing === 'down' || facing === 'up') {
    const backY = facing === 'down' ? 4 : 19;
    const seatY = facing === 'down' ? 12 : 9;
    c.rect(9, seatY + 9, 2, 6, leg);
    c.rect(21, seatY + 9, 2, 6, leg);
    c.rrect(8, seatY, 16, 11, colour, 2);
    c.hline(10, 21, seatY + 1, light);
    c.rrect(7, backY, 18, 8, dark, 2);
    c.hline(9, 22, backY + 1, colour);
  } else {
    const right = facing === 'right';
    const backX = right ? 6 : 19;
    c.rect(9, 22, 2, 6, leg);
    c.rect(21, 22, 2, 6, leg);
    c.rrect(8, 10, 16, 13, colour, 2);
    c.hline(10, 21, 11, light);
    c.rrect(backX, 4, 7, 18, dark, 2);
    c.vline(backX + (right ? 1 : 5), 6, 19, colour);
  }
  c.outline(INK);
  img.ellipse(6, 23, 20, 7, withAlpha('#000000', 40));
  img.blit(c, 0, 0);
  return img;
}

/** Meeting table drawn as 3x3 slices so any size can be assembled. */
function meetingTable(): Img {
  const img = new Img(96, 96);
  const x0 = 3;
  const x1 = 92;
  const y0 = 6;
  const yTopEnd = 82;
  img.rrect(x0, y0, x1 - x0 + 1, yTopEnd - y0 + 1, P.tableTop, 2);
  // Wood grain running the length of the table.
  for (let y = y0 + 4; y < yTopEnd; y += 5) {
    for (let x = x0 + 3; x < x1 - 2; x++) if ((x * 7 + y * 3) % 23 < 14) img.put(x, y, mix(P.tableTop, P.tableFront, 0.35));
  }
  img.hline(x0 + 2, x1 - 2, y0 + 1, P.tableTopLight);
  img.vline(x0 + 1, y0 + 2, yTopEnd - 2, P.tableTopLight);
  img.rect(x0, yTopEnd + 1, x1 - x0 + 1, 5, P.tableFront);
  img.hline(x0, x1, yTopEnd + 1, shade(P.tableFront, -0.2));
  img.rect(x0 + 2, yTopEnd + 6, 3, 4, shade(P.tableFront, -0.2));
  img.rect(x1 - 4, yTopEnd + 6, 3, 4, shade(P.tableFront, -0.2));
  return finish(img);
}

function tableItems(kind: 'laptop' | 'notes'): Img {
  const img = tile();
  if (kind === 'laptop') {
    // An open laptop seen from the sitter's side (screen away from the viewer: lid back).
    img.rect(8, 8, 16, 10, '#b9c0cc');
    img.rect(9, 9, 14, 8, '#cfd5de');
    img.ellipse(14, 11, 4, 4, '#e9eef5');
    img.rect(7, 18, 18, 4, '#8e96a5');
    img.outline(INK);
  } else {
    img.rect(8, 11, 10, 12, '#ffffff');
    for (let y = 13; y < 22; y += 2) img.hline(10, 16, y, '#b7c4d6');
    img.line(19, 20, 22, 12, '#3b5ea8');
    img.rect(21, 19, 5, 5, '#ffffff');
    img.rect(22, 20, 3, 2, '#7a4a2a');
    img.outline(INK);
  }
  return img;
}

function plantTall(kind: 'bush' | 'snake'): Img {
  const img = new Img(32, 64);
  // Pot.
  const potTop = 46;
  for (let y = potTop; y < 62; y++) {
    const inset = Math.floor((y - potTop) / 5);
    img.hline(8 + inset, 23 - inset, y, y < potTop + 3 ? P.potRim : y > 57 ? P.potDark : P.pot);
  }
  img.vline(10, potTop + 3, 57, shade(P.pot, 0.15));
  img.ellipse(9, 44, 14, 5, '#4a3324');
  if (kind === 'bush') {
    const blobs: [number, number, number, number, string][] = [
      [4, 26, 14, 12, P.leafC],
      [14, 24, 14, 14, P.leafC],
      [6, 14, 20, 18, P.leafA],
      [2, 20, 12, 12, P.leafA],
      [18, 18, 12, 12, P.leafA],
      [9, 4, 14, 14, P.leafA],
      [11, 6, 9, 8, P.leafB],
      [5, 17, 9, 8, P.leafB],
      [18, 20, 8, 7, P.leafB],
      [10, 28, 12, 10, P.leafA],
    ];
    for (const [x, y, w, h, c] of blobs) img.ellipse(x, y, w, h, c);
    const r = prng(3);
    for (let k = 0; k < 18; k++) img.put(4 + Math.floor(r() * 24), 6 + Math.floor(r() * 30), P.leafHi);
    for (let k = 0; k < 14; k++) img.put(4 + Math.floor(r() * 24), 10 + Math.floor(r() * 30), P.leafC);
  } else {
    // Snake plant: upright striped blades.
    const blades: [number, number, number][] = [
      [9, 10, 3],
      [13, 2, 4],
      [18, 6, 4],
      [22, 14, 3],
      [6, 18, 3],
      [15, 12, 3],
    ];
    for (const [x, top, w] of blades) {
      for (let y = top; y < potTop; y++) {
        const ww = y < top + 4 ? Math.max(1, w - 2) : w;
        img.hline(x, x + ww - 1, y, P.leafC);
        if (y % 4 === 0) img.hline(x, x + ww - 1, y, '#6a9c4a');
      }
      img.vline(x, top + 2, potTop - 1, '#c9d46a');
    }
  }
  return finish(img);
}

function plantSmall(): Img {
  const img = tile();
  for (let y = 20; y < 30; y++) {
    const inset = Math.floor((y - 20) / 4);
    img.hline(10 + inset, 21 - inset, y, y < 22 ? P.potRim : P.pot);
  }
  img.ellipse(7, 6, 18, 15, P.leafA);
  img.ellipse(9, 7, 9, 8, P.leafB);
  img.ellipse(17, 11, 7, 7, P.leafC);
  img.put(11, 9, P.leafHi);
  img.put(13, 8, P.leafHi);
  return finish(img);
}

function sofa(facing: 'down' | 'up'): Img {
  const img = new Img(96, 32);
  const c = P.sofa;
  if (facing === 'down') {
    img.rrect(2, 2, 92, 14, P.sofaDark, 3);
    img.rrect(3, 3, 90, 12, c, 3);
    img.hline(5, 90, 4, P.sofaLight);
    // Seat cushions, one per tile so the slices stay modular.
    for (const x of [8, 32, 64]) {
      const w = x === 8 ? 24 : x === 64 ? 24 : 32;
      img.rrect(x, 14, w, 11, c, 2);
      img.hline(x + 2, x + w - 3, 15, P.sofaLight);
      img.vline(x + w - 1, 15, 24, P.sofaDark);
    }
    img.rect(6, 25, 84, 3, P.sofaDark);
    img.rrect(1, 8, 8, 20, c, 2);
    img.rrect(87, 8, 8, 20, c, 2);
    img.vline(2, 10, 25, P.sofaLight);
    img.vline(88, 10, 25, P.sofaLight);
    img.rect(4, 28, 3, 3, P.deskLeg);
    img.rect(89, 28, 3, 3, P.deskLeg);
    // A couple of throw pillows.
    img.rrect(12, 8, 9, 8, P.mustard, 2);
    img.hline(13, 19, 9, P.mustardLight);
    img.rrect(76, 8, 9, 8, '#e27d6a', 2);
  } else {
    for (const x of [8, 32, 64]) {
      const w = x === 8 ? 24 : x === 64 ? 24 : 32;
      img.rrect(x, 4, w, 12, c, 2);
      img.hline(x + 2, x + w - 3, 5, P.sofaLight);
    }
    img.rrect(2, 14, 92, 14, P.sofaDark, 3);
    img.rrect(3, 15, 90, 11, c, 3);
    img.hline(5, 90, 16, P.sofaLight);
    img.rrect(1, 2, 8, 24, c, 2);
    img.rrect(87, 2, 8, 24, c, 2);
    img.rect(4, 28, 3, 3, P.deskLeg);
    img.rect(89, 28, 3, 3, P.deskLeg);
  }
  return finish(img);
}

function armchair(facing: 'left' | 'right'): Img {
  const img = tile();
  img.rrect(5, 6, 22, 20, P.mustard, 3);
  img.rrect(9, 9, 14, 14, P.mustardLight, 2);
  img.rrect(10, 10, 12, 12, P.mustard, 2);
  img.rrect(5, 4, 22, 5, P.mustardDark, 2);
  img.rrect(5, 23, 22, 5, P.mustardDark, 2);
  img.rrect(facing === 'right' ? 3 : 22, 4, 7, 24, P.mustardDark, 2);
  img.rect(7, 28, 2, 3, P.deskLeg);
  img.rect(23, 28, 2, 3, P.deskLeg);
  const out = finish(img);
  return out;
}

function coffeeTable(): Img {
  const img = new Img(64, 32);
  img.rrect(4, 8, 56, 15, '#c99a66', 4);
  img.hline(8, 55, 9, '#dcb482');
  img.rect(6, 22, 52, 3, '#9c7047');
  img.rect(8, 25, 3, 5, '#7c5a3c');
  img.rect(53, 25, 3, 5, '#7c5a3c');
  // Magazine, mug and a tiny plant.
  img.rect(14, 11, 12, 8, '#5a8fd0');
  img.rect(15, 12, 10, 3, '#f1e2c4');
  img.rect(36, 12, 5, 5, '#ffffff');
  img.rect(37, 13, 3, 2, '#7a4a2a');
  img.rect(46, 13, 6, 5, P.pot);
  img.ellipse(44, 6, 10, 9, P.leafA);
  img.put(48, 8, P.leafHi);
  return finish(img);
}

function bookshelf(seed: number): Img {
  const img = new Img(32, 64);
  const wood = '#8a5e3b';
  img.rect(2, 4, 28, 58, wood);
  img.rect(4, 6, 24, 54, '#5c3d27');
  const r = prng(seed);
  const bookCols = ['#c9533f', '#3e6bb0', '#e0b050', '#5b9a5a', '#8b5aa8', '#e9ebe4', '#d97a3a', '#3c8a8a'];
  const shelves = [7, 20, 33];
  for (const sy of shelves) {
    let x = 4;
    while (x < 27) {
      const w = 2 + Math.floor(r() * 2);
      const h = 8 + Math.floor(r() * 4);
      const c = bookCols[Math.floor(r() * bookCols.length)]!;
      if (r() < 0.12 && x < 22) {
        // A leaning book or a gap makes the shelf look lived-in.
        x += 2;
        continue;
      }
      img.rect(x, sy + 12 - h, Math.min(w, 28 - x), h, c);
      img.vline(x, sy + 12 - h, sy + 11, shade(c, 0.2));
      img.hline(x, x + w - 1, sy + 14 - h, shade(c, -0.25));
      x += w;
    }
    img.rect(2, sy + 12, 28, 2, wood);
    img.hline(2, 29, sy + 12, shade(wood, 0.2));
  }
  // Cupboard doors at the bottom.
  img.rect(4, 47, 24, 13, shade(wood, 0.08));
  img.vline(15, 47, 59, shade(wood, -0.3));
  img.rect(13, 52, 1, 3, '#e0c080');
  img.rect(17, 52, 1, 3, '#e0c080');
  img.hline(2, 29, 4, shade(wood, 0.25));
  return finish(img);
}

function whiteboard(): Img {
  const img = new Img(64, 32);
  img.rect(3, 3, 58, 21, '#aab2bf');
  img.rect(4, 4, 56, 19, '#fbfcfd');
  // Sketches: a little bar chart, a flow of boxes, some text lines.
  img.box(8, 7, 8, 6, '#3a6fd0');
  img.line(16, 10, 21, 10, '#3a6fd0');
  img.box(22, 7, 8, 6, '#3a6fd0');
  img.line(26, 13, 26, 16, '#e0533f');
  img.box(22, 17, 8, 4, '#e0533f');
  for (let k = 0; k < 4; k++) img.rect(36 + k * 4, 19 - (k * 3 + 3), 3, k * 3 + 3, ['#3aa060', '#3a6fd0', '#e0a030', '#e0533f'][k]!);
  img.hline(35, 53, 20, '#555b66');
  img.hline(8, 17, 17, '#555b66');
  img.hline(8, 14, 19, '#555b66');
  img.rect(14, 24, 36, 2, '#8a92a0');
  img.rect(20, 23, 4, 1, '#e0533f');
  img.rect(26, 23, 4, 1, '#3a6fd0');
  img.outline(INK);
  return img;
}

function tvScreen(): Img {
  const img = new Img(64, 32);
  img.rect(3, 2, 58, 24, '#1f1e27');
  img.rect(5, 4, 54, 20, '#2b3550');
  // A video call: four faces.
  const faces = [
    ['#f2c9a0', '#4a2f22', '#5b8fd0'],
    ['#8d5a3c', '#1e1a1a', '#e08a4a'],
    ['#e8b48a', '#d9a040', '#6cb07a'],
    ['#c68a5e', '#6b3a2a', '#a07ad0'],
  ];
  for (let k = 0; k < 4; k++) {
    const x = 6 + (k % 2) * 27;
    const y = 5 + Math.floor(k / 2) * 9;
    const [skin, hair, shirt] = faces[k]!;
    img.rect(x, y, 25, 8, '#3c4a6b');
    img.rect(x + 9, y + 6, 7, 2, shirt!);
    img.rect(x + 10, y + 1, 5, 5, skin!);
    img.rect(x + 10, y + 1, 5, 2, hair!);
  }
  img.rect(29, 26, 6, 2, '#55535f');
  img.outline(INK);
  return img;
}

function painting(kind: 'landscape' | 'abstract'): Img {
  const img = tile();
  img.rect(6, 5, 20, 16, '#8a5e3b');
  if (kind === 'landscape') {
    img.rect(8, 7, 16, 12, '#a9d8ee');
    img.ellipse(17, 8, 4, 4, '#f6d26a');
    for (let x = 8; x < 24; x++) {
      const h = 3 + Math.round(2 * Math.sin(x / 2.2));
      img.vline(x, 18 - h, 18, '#6cae5a');
    }
    img.hline(8, 23, 18, '#4e8a44');
  } else {
    img.rect(8, 7, 16, 12, '#f4ead8');
    img.ellipse(9, 9, 8, 8, '#e0714f');
    img.rect(16, 11, 6, 7, '#3e6bb0');
    img.line(9, 17, 22, 8, '#2b2233');
  }
  img.outline(INK);
  return img;
}

function clock(): Img {
  const img = tile();
  img.ellipse(8, 3, 16, 16, '#f6f1e7');
  img.put(16, 5, INK);
  img.put(16, 16, INK);
  img.put(10, 11, INK);
  img.put(21, 11, INK);
  img.vline(16, 7, 11, INK);
  img.line(16, 11, 19, 13, '#c0392b');
  img.outline('#5a3e2b');
  return img;
}

function noticeBoard(): Img {
  const img = new Img(64, 32);
  img.rect(4, 3, 56, 20, '#c99a66');
  img.rect(6, 5, 52, 16, '#d9b07a');
  const notes: [number, number, string][] = [
    [9, 7, '#fff27a'],
    [19, 9, '#9fe0f0'],
    [30, 6, '#ffb3c7'],
    [42, 8, '#b8f0a0'],
    [50, 6, '#fff27a'],
  ];
  for (const [x, y, c] of notes) {
    img.rect(x, y, 7, 8, c);
    img.hline(x + 1, x + 5, y + 3, shade(c, -0.3));
    img.hline(x + 1, x + 4, y + 5, shade(c, -0.3));
    img.put(x + 3, y, '#d0402f');
  }
  img.outline(INK);
  return img;
}

function upperCabinet(): Img {
  const img = tile();
  img.rect(1, 2, 30, 16, '#f2efe8');
  img.box(1, 2, 30, 16, '#c9c2b4');
  img.vline(16, 3, 16, '#c9c2b4');
  img.rect(13, 12, 2, 3, '#8a8f99');
  img.rect(18, 12, 2, 3, '#8a8f99');
  img.hline(1, 30, 18, withAlpha('#000000', 60));
  img.outline(INK);
  return img;
}

type CounterPiece = 'l' | 'm' | 'r' | 'sink';

/** Kitchen counter against a wall: the worktop reaches the tile's top edge so it meets the wall face. */
function counter(piece: CounterPiece): Img {
  const img = tile();
  const front = '#8fb3a0';
  const top = '#ece7dd';
  const l = piece === 'l' ? 1 : 0;
  const r = piece === 'r' ? 30 : 31;
  img.rect(l, 0, r - l + 1, 2, '#d9d2c4'); // backsplash
  img.rect(l, 2, r - l + 1, 10, top);
  img.hline(l, r, 11, '#ffffff');
  img.hline(l, r, 12, '#c9c2b4');
  img.rect(l, 13, r - l + 1, 16, front);
  img.rect(l, 29, r - l + 1, 3, shade(front, -0.35));
  // Cabinet door with handle.
  img.box(l + 2, 15, r - l - 3, 13, shade(front, -0.15));
  img.rect(piece === 'r' ? 6 : 24, 19, 2, 4, '#e9e4da');
  if (piece === 'sink') {
    img.rect(7, 4, 18, 6, '#b7bfca');
    img.rect(8, 5, 16, 4, '#8f99a8');
    img.rect(15, 1, 2, 4, '#b7bfca');
  }
  return finish(img);
}

/** Espresso machine on a counter: the counter tile plus the machine's top on the wall above. */
function coffeeCounter(): Img {
  const img = new Img(32, 64);
  img.blit(counter('m'), 0, 32);
  const m = new Img(32, 64);
  m.rect(7, 20, 18, 22, '#3b3a46');
  m.rect(8, 21, 16, 4, '#c0392b');
  m.hline(8, 23, 21, '#e05a4a');
  m.rect(10, 27, 12, 9, '#24232b');
  m.rect(13, 28, 6, 2, '#8a8f99');
  m.rect(13, 35, 6, 5, '#ffffff');
  m.rect(14, 36, 4, 2, '#7a4a2a');
  m.put(21, 23, '#7be07b');
  m.rect(7, 42, 18, 2, '#55546a');
  m.outline(INK);
  img.blit(m, 0, 0);
  return img;
}

function tableItems2(kind: 'fruit' | 'mugs'): Img {
  const img = tile();
  if (kind === 'fruit') {
    img.ellipse(7, 12, 18, 10, '#f1e9da');
    img.ellipse(9, 9, 6, 6, '#e0533f');
    img.ellipse(14, 8, 6, 6, '#f0b030');
    img.ellipse(18, 10, 5, 5, '#7bc04a');
    img.ellipse(11, 13, 10, 4, '#f1e9da');
  } else {
    for (const [x, y, c] of [
      [8, 12, '#ffffff'],
      [19, 15, '#5a8fd0'],
    ] as const) {
      img.rect(x, y, 6, 6, c);
      img.rect(x + 6, y + 2, 2, 2, c);
      img.rect(x + 1, y + 1, 4, 2, '#7a4a2a');
    }
  }
  img.outline(INK);
  return img;
}

function fridge(): Img {
  const img = new Img(32, 64);
  img.rrect(4, 8, 24, 54, '#e9edf2', 2);
  img.vline(5, 10, 60, '#ffffff');
  img.hline(4, 27, 28, '#b9c1cc');
  img.rect(22, 16, 2, 8, '#9aa3b0');
  img.rect(22, 32, 2, 10, '#9aa3b0');
  img.rect(9, 12, 5, 5, '#ffb3c7');
  img.rect(15, 14, 4, 4, '#9fe0f0');
  img.rect(6, 61, 20, 1, '#9aa3b0');
  return finish(img);
}

function waterCooler(): Img {
  const img = tile();
  img.rect(10, 14, 12, 16, '#e9edf2');
  img.vline(11, 15, 28, '#ffffff');
  img.rect(13, 18, 2, 2, '#d0402f');
  img.rect(17, 18, 2, 2, '#3e6bb0');
  img.ellipse(10, 1, 12, 14, '#8fd0f0');
  img.ellipse(12, 3, 5, 8, '#c9ecfa');
  return finish(img);
}

function printer(): Img {
  const img = tile();
  img.rect(5, 16, 22, 14, '#8a9099');
  img.rect(4, 7, 24, 10, '#d7dbe2');
  img.rect(6, 9, 12, 3, '#474b55');
  img.rect(8, 3, 16, 5, '#ffffff');
  img.rect(21, 10, 4, 2, '#7be07b');
  img.hline(4, 27, 16, '#9aa0aa');
  return finish(img);
}

function cabinet(): Img {
  const img = tile();
  img.rect(6, 4, 20, 26, '#9aa3b5');
  img.vline(7, 5, 28, '#b7bfcf');
  for (const y of [6, 14, 22]) {
    img.rect(8, y, 16, 7, '#8a93a5');
    img.rect(14, y + 2, 4, 2, '#e0e4ea');
  }
  return finish(img);
}

function floorLamp(): Img {
  const img = new Img(32, 64);
  img.ellipse(6, 4, 20, 30, withAlpha('#ffe9a8', 55));
  img.rect(9, 8, 14, 12, '#f4dba0');
  img.hline(10, 21, 8, '#fff1c8');
  img.rect(9, 18, 14, 2, '#d9b46a');
  img.vline(16, 20, 58, '#3b3a46');
  img.rect(11, 58, 10, 3, '#3b3a46');
  img.outline(INK);
  return img;
}

function beanBag(colour: string): Img {
  const img = tile();
  img.ellipse(4, 9, 24, 20, shade(colour, -0.2));
  img.ellipse(5, 8, 22, 17, colour);
  img.ellipse(9, 11, 12, 8, shade(colour, 0.2));
  return finish(img);
}

function bin(): Img {
  const img = tile();
  for (let y = 14; y < 29; y++) img.hline(11 + Math.floor((y - 14) / 7), 20 - Math.floor((y - 14) / 7), y, '#6c7a8c');
  img.rect(10, 13, 12, 2, '#8a98aa');
  img.rect(14, 11, 3, 3, '#ffffff');
  return finish(img);
}

function reception(): Img {
  const img = new Img(96, 32);
  img.rect(2, 6, 92, 10, '#efe9df');
  img.hline(2, 93, 6, '#ffffff');
  img.rect(2, 16, 92, 14, '#3f6f8e');
  img.hline(2, 93, 16, '#2f5670');
  for (let x = 6; x < 92; x += 8) img.vline(x, 18, 28, '#4a7f9f');
  img.rect(2, 29, 92, 2, '#2b4a5e');
  // Bell, a small monitor back and a vase.
  img.rect(20, 8, 16, 6, '#57556a');
  img.rect(62, 9, 5, 4, '#d9b040');
  img.rect(74, 7, 5, 7, '#ffffff');
  img.ellipse(71, 0, 11, 8, '#e27d6a');
  img.ellipse(73, 1, 5, 4, '#f6c24a');
  return finish(img);
}

function focusDivider(): Img {
  // Acoustic panel on a focus desk's far edge; drawn as a back-facing desk with a felt screen.
  const img = new Img(32, 32);
  img.rect(1, 12, 30, 11, P.deskTop);
  img.hline(1, 30, 12, P.deskTopLight);
  img.rect(1, 23, 30, 4, P.deskFront);
  img.rect(2, 27, 3, 5, P.deskLeg);
  img.rect(27, 27, 3, 5, P.deskLeg);
  img.rrect(0, 0, 32, 12, '#5f8a6a', 2);
  for (let x = 3; x < 30; x += 4) img.vline(x, 2, 9, '#6f9c79');
  monitorFrontSmall(img, 8, 7);
  img.rect(22, 16, 5, 4, '#ffffff');
  return finish(img);
}

function monitorFrontSmall(img: Img, x: number, y: number): void {
  img.rect(x, y, 14, 10, P.bezel);
  img.rect(x + 1, y + 1, 12, 7, P.screen);
  img.hline(x + 1, x + 12, y + 1, P.screenLight);
  img.hline(x + 3, x + 8, y + 3, '#e9f3fb');
  img.hline(x + 3, x + 6, y + 5, '#f3d27a');
  img.rect(x + 5, y + 10, 4, 2, P.steelDark);
  img.rect(x + 3, y + 15, 10, 2, P.steel);
}

// ---------------------------------------------------------------- registry
export class Tileset {
  readonly tiles: TileDef[] = [];
  private readonly byName = new Map<string, number>();

  add(name: string, role: TileRole, img: Img): void {
    if (this.byName.has(name)) throw new Error(`duplicate tile ${name}`);
    if (img.w !== TILE || img.h !== TILE) throw new Error(`tile ${name} is ${img.w}x${img.h}`);
    this.byName.set(name, this.tiles.length);
    this.tiles.push({ name, role, img });
  }

  /** Slices a multi-tile drawing into `name.col.row` tiles; `roleOf` decides each row's role. */
  addObject(name: string, img: Img, roleOf: (col: number, row: number) => TileRole): void {
    for (let row = 0; row < img.h / TILE; row++)
      for (let col = 0; col < img.w / TILE; col++) this.add(`${name}.${col}.${row}`, roleOf(col, row), img.crop(col * TILE, row * TILE, TILE, TILE));
  }

  /** 0-based tile id. */
  id(name: string): number {
    const id = this.byName.get(name);
    if (id === undefined) throw new Error(`unknown tile ${name}`);
    return id;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get rows(): number {
    return Math.ceil(this.tiles.length / COLUMNS);
  }

  image(): Img {
    const img = new Img(COLUMNS * TILE, this.rows * TILE);
    this.tiles.forEach((t, i) => img.copy(t.img, (i % COLUMNS) * TILE, Math.floor(i / COLUMNS) * TILE));
    return img;
  }
}

export const FLOORS = {
  wood: () => woodFloor(0),
  wood2: () => woodFloor(3),
  office: () => carpet(P.office, 11, true),
  blue: () => carpet(P.blueCarpet, 12, false),
  green: () => carpet(P.greenCarpet, 13, false),
  lilac: () => carpet(P.lilacCarpet, 14, false),
  stone: () => stoneFloor(21),
  kitchen: () => checkerFloor(),
} as const;
export type FloorName = keyof typeof FLOORS;

export function buildTileset(): Tileset {
  const ts = new Tileset();
  // Row 0-1: floors.
  for (const [name, make] of Object.entries(FLOORS)) ts.add(`floor.${name}`, 'floor', make());
  ts.addObject('doormat', doormat(FLOORS.stone()), () => 'floor');
  ts.add('floor.door_l', 'floor', doorway('l'));
  ts.add('floor.door_r', 'floor', doorway('r'));
  ts.add('floor.door_v', 'floor', doorway('v'));
  // Chairs sit on the floor layer (people sit on them, so they must stay walkable).
  ts.add('chair.office_up@office', 'floor', officeChair('up', FLOORS.office()));
  ts.add('chair.office_down@office', 'floor', officeChair('down', FLOORS.office()));
  ts.add('chair.office_up@lilac', 'floor', officeChair('up', FLOORS.lilac()));
  ts.add('chair.office_up@wood', 'floor', officeChair('up', FLOORS.wood()));
  ts.add('chair.office_down@stone', 'floor', officeChair('down', FLOORS.stone()));
  for (const [floor, colour] of [
    ['blue', '#f0eadc'],
    ['green', '#e9a24a'],
    ['kitchen', '#d9694f'],
    ['wood', '#e9a24a'],
  ] as const) {
    for (const f of ['up', 'down', 'left', 'right'] as const) ts.add(`chair.${f}@${floor}`, 'floor', meetingChair(f, FLOORS[floor](), colour));
  }
  ts.addObject('rug', rug(FLOORS.wood, PERSIAN), () => 'floor');
  ts.addObject('rug.welcome', rug(FLOORS.stone, WELCOME), () => 'floor');
  // Walls: 16 wall-top variants (bit set = open edge N,E,S,W) and face variants.
  for (let m = 0; m < 16; m++) ts.add(`wall.cap.${m}`, 'wall', wallCap((m & 1) > 0, (m & 2) > 0, (m & 4) > 0, (m & 8) > 0));
  for (let m = 0; m < 8; m++) ts.add(`wall.face.${m}`, 'wall', wallFace((m & 1) > 0, (m & 2) > 0, (m & 4) > 0, 'plain'));
  ts.add('wall.window', 'wall', wallFace(false, false, false, 'window'));
  // Furniture.
  ts.addObject('desk.front', deskFront(), () => 'furniture');
  ts.addObject('desk.back', deskBack(), () => 'furniture');
  ts.add('desk.focus', 'furniture', focusDivider());
  ts.addObject('table', meetingTable(), () => 'furniture');
  ts.add('table.laptop', 'decoration', tableItems('laptop'));
  ts.add('table.notes', 'decoration', tableItems('notes'));
  ts.add('table.fruit', 'decoration', tableItems2('fruit'));
  ts.add('table.mugs', 'decoration', tableItems2('mugs'));
  ts.addObject('plant.bush', plantTall('bush'), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  ts.addObject('plant.snake', plantTall('snake'), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  ts.add('plant.small', 'furniture', plantSmall());
  ts.addObject('sofa.down', sofa('down'), () => 'furniture');
  ts.addObject('sofa.up', sofa('up'), () => 'furniture');
  ts.add('armchair.right', 'furniture', armchair('right'));
  ts.add('armchair.left', 'furniture', armchair('left'));
  ts.addObject('coffeetable', coffeeTable(), () => 'furniture');
  ts.addObject('bookshelf.a', bookshelf(5), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  ts.addObject('bookshelf.b', bookshelf(9), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  for (const p of ['l', 'm', 'r', 'sink'] as const) ts.add(`counter.${p}`, 'furniture', counter(p));
  ts.addObject('counter.coffee', coffeeCounter(), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  ts.addObject('fridge', fridge(), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  ts.add('watercooler', 'furniture', waterCooler());
  ts.add('printer', 'furniture', printer());
  ts.add('cabinet', 'furniture', cabinet());
  ts.add('bin', 'furniture', bin());
  ts.add('beanbag.red', 'furniture', beanBag('#d9594a'));
  ts.add('beanbag.blue', 'furniture', beanBag('#4f7fc9'));
  ts.addObject('reception', reception(), () => 'furniture');
  ts.addObject('lamp', floorLamp(), (_c, r) => (r === 0 ? 'decoration' : 'furniture'));
  // Wall-mounted decoration (overlays drawn on wall faces).
  ts.addObject('whiteboard', whiteboard(), () => 'decoration');
  ts.addObject('tv', tvScreen(), () => 'decoration');
  ts.addObject('noticeboard', noticeBoard(), () => 'decoration');
  ts.add('painting.landscape', 'decoration', painting('landscape'));
  ts.add('painting.abstract', 'decoration', painting('abstract'));
  ts.add('clock', 'decoration', clock());
  ts.add('cabinet.upper', 'decoration', upperCabinet());
  return ts;
}
