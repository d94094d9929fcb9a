// The office templates, laid out in code. Coordinates are in tiles; (0,0) is the top-left corner.
import { templates } from '../../src/index.js';
import { MapBuilder, type TemplateMeta } from './builder.js';
import type { Tileset } from './tileset.js';

function metaOf(id: string): TemplateMeta {
  const t = templates.find((x) => x.id === id);
  if (!t) throw new Error(`template ${id} is not listed in src/index.ts`);
  return { id: t.id, name: t.name, description: t.description };
}

export interface BuiltTemplate {
  meta: TemplateMeta;
  tmj: object;
}

/**
 * A desk pod: two desks facing two desks, 4 tiles wide and 4 tall
 * (chairs, back-facing desks, front-facing desks, chairs). Each chair is a `desk` zone.
 */
function deskPod(b: MapBuilder, x: number, y: number, label: string, firstNumber: number): void {
  for (let k = 0; k < 2; k++) {
    const dx = x + k * 2;
    b.put(dx, y, 'chair.office_down@office');
    b.obj('desk.back', dx, y + 1);
    b.obj('desk.front', dx, y + 2);
    b.put(dx, y + 3, 'chair.office_up@office');
    b.zone({ name: `Desk ${label}${firstNumber + k}`, type: 'desk', x: dx, y, w: 1, h: 1 });
    b.zone({ name: `Desk ${label}${firstNumber + 2 + k}`, type: 'desk', x: dx, y: y + 3, w: 1, h: 1 });
  }
}

/** A meeting table with chairs all along its long sides (and optionally its ends). */
function meetingTable(b: MapBuilder, x: number, y: number, w: number, h: number, floor: string, ends: boolean): void {
  b.nine('table', x, y, w, h);
  for (let i = x; i < x + w; i++) {
    b.put(i, y - 1, `chair.down@${floor}`);
    b.put(i, y + h, `chair.up@${floor}`);
  }
  if (ends) {
    for (let j = y; j < y + h; j++) {
      b.put(x - 1, j, `chair.right@${floor}`);
      b.put(x + w, j, `chair.left@${floor}`);
    }
  }
}

export function openOffice(ts: Tileset): BuiltTemplate {
  const meta = metaOf('open-office');
  const b = new MapBuilder(ts, 48, 32);

  // Floors first; walls painted later simply cover them.
  b.floor(0, 0, 48, 32, 'office');
  b.floor(1, 2, 9, 8, 'blue');
  b.floor(11, 2, 12, 8, 'green');
  b.floor(24, 2, 14, 10, 'kitchen');
  b.floor(39, 2, 8, 8, 'wood');
  b.floor(1, 26, 13, 5, 'lilac');
  b.floor(15, 24, 16, 7, 'stone');
  b.floor(31, 24, 16, 7, 'wood2');

  // Outer walls: the top wall is two tiles (wall top + front face) for the 3/4 look.
  b.wall(0, 0, 48, 2).wall(0, 0, 1, 32).wall(47, 0, 1, 32).wall(0, 31, 48, 1);
  // Blue room (top left).
  b.wall(10, 0, 1, 12).wall(0, 10, 11, 2).door(4, 10, 2, 2);
  // Green room.
  b.wall(23, 0, 1, 12).wall(10, 10, 14, 2).door(16, 10, 2, 2);
  // Sun room (top right).
  b.wall(38, 0, 1, 12).wall(38, 10, 10, 2).door(42, 10, 2, 2);
  // Focus room (bottom left).
  b.wall(0, 24, 15, 2).wall(14, 24, 1, 8).door(6, 24, 2, 2);
  // Entrance in the bottom wall.
  b.door(21, 31, 2, 1);
  b.obj('doormat', 21, 31);

  // ---- Blue room: 6 seats and a screen.
  b.window(1, 1, 2).window(8, 1, 2);
  b.obj('tv', 4, 1);
  meetingTable(b, 4, 5, 3, 2, 'blue', false);
  b.obj('plant.bush', 1, 1);
  b.obj('bookshelf.a', 9, 1);
  b.obj('plant.snake', 1, 8);
  b.put(9, 9, 'plant.small');
  b.zone({ name: 'Blue room', type: 'meeting-room', x: 1, y: 2, w: 9, h: 8, capacity: 6 });

  // ---- Green room: 10 seats, a whiteboard.
  b.window(11, 1, 2).window(20, 1, 2);
  b.obj('whiteboard', 15, 1);
  meetingTable(b, 14, 5, 5, 2, 'green', false);
  b.put(13, 5, 'chair.right@green');
  b.put(19, 6, 'chair.left@green');
  b.put(16, 5, 'table.laptop').put(14, 6, 'table.notes').put(18, 5, 'table.notes');
  b.obj('bookshelf.b', 13, 1).obj('bookshelf.a', 18, 1);
  b.obj('plant.bush', 22, 1).obj('plant.bush', 11, 8);
  b.obj('lamp', 22, 8);
  b.zone({ name: 'Green room', type: 'meeting-room', x: 11, y: 2, w: 12, h: 8, capacity: 10 });

  // ---- Kitchen.
  b.obj('fridge', 24, 1);
  b.put(25, 2, 'counter.l');
  for (const [x, p] of [
    [26, 'm'],
    [27, 'sink'],
    [28, 'm'],
    [30, 'm'],
    [31, 'r'],
  ] as const)
    b.put(x, 2, `counter.${p}`);
  b.obj('counter.coffee', 29, 1);
  for (const x of [25, 26, 27, 28, 30, 31]) b.put(x, 1, 'cabinet.upper');
  b.window(33, 1, 2).window(36, 1, 1);
  b.put(35, 1, 'clock');
  b.put(33, 2, 'watercooler');
  b.put(37, 2, 'bin');
  for (const tx of [26, 32]) {
    for (const ty of [5, 9]) {
      b.nine('table', tx, ty, 2, 2);
      b.put(tx, ty - 1, 'chair.down@kitchen').put(tx + 1, ty - 1, 'chair.down@kitchen');
      b.put(tx, ty + 2, 'chair.up@kitchen').put(tx + 1, ty + 2, 'chair.up@kitchen');
    }
  }
  b.put(26, 9, 'table.notes').put(33, 5, 'table.mugs').put(27, 5, 'table.fruit').put(32, 10, 'table.mugs');
  b.obj('plant.bush', 29, 7).obj('plant.snake', 36, 6);

  // ---- Sun room: a small lounge-style room for 4.
  b.window(39, 1, 2).window(45, 1, 2);
  b.put(42, 1, 'painting.landscape');
  b.stretch('sofa.down', 41, 2, 3);
  b.nine('rug', 40, 3, 5, 4);
  b.obj('coffeetable', 41, 4);
  b.put(40, 4, 'armchair.right').put(43, 4, 'armchair.left');
  b.obj('plant.bush', 46, 1);
  b.obj('plant.snake', 39, 8);
  b.obj('lamp', 46, 8);
  b.zone({ name: 'Sun room', type: 'meeting-room', x: 39, y: 2, w: 8, h: 8, capacity: 4 });

  // ---- Walls facing the open plan get some life.
  b.put(2, 11, 'painting.landscape').put(8, 11, 'clock');
  b.obj('noticeboard', 12, 11);
  b.put(20, 11, 'painting.abstract');
  b.put(40, 11, 'painting.abstract').put(45, 11, 'painting.landscape');

  // ---- Open plan: two rows of six desk pods.
  const podXs = [3, 9, 15, 21, 27, 33];
  podXs.forEach((x, i) => {
    deskPod(b, x, 13, String.fromCharCode(65 + i), 1);
    deskPod(b, x, 19, String.fromCharCode(65 + i), 5);
    // Plants between pods, leaving a one-tile passage beside each.
    if (i < podXs.length - 1) {
      b.obj(i % 2 === 0 ? 'plant.bush' : 'plant.snake', x + 5, 14);
      b.put(x + 5, 21, 'plant.small');
    }
  });
  // Service corner on the right.
  b.put(46, 13, 'printer').put(46, 14, 'cabinet').put(46, 15, 'cabinet');
  b.obj('plant.bush', 40, 12).obj('plant.snake', 46, 17);
  b.put(40, 19, 'plant.small').put(43, 19, 'plant.small');
  b.nine('table', 41, 15, 2, 2);
  b.put(41, 14, 'chair.office_down@office').put(42, 14, 'chair.office_down@office');
  b.put(41, 17, 'chair.office_up@office').put(42, 17, 'chair.office_up@office');
  b.put(46, 21, 'watercooler');

  // ---- Focus room: quiet desks facing the wall.
  for (const x of [2, 4, 10, 12]) {
    b.put(x, 26, 'desk.focus');
    b.put(x, 27, 'chair.office_up@lilac');
  }
  b.obj('bookshelf.a', 1, 28).obj('bookshelf.b', 13, 28);
  b.put(4, 30, 'armchair.right').put(10, 30, 'armchair.left');
  b.obj('lamp', 6, 29).obj('plant.bush', 8, 29);
  b.put(3, 25, 'painting.landscape').put(11, 25, 'painting.abstract');
  b.zone({ name: 'Quiet corner', type: 'focus', x: 1, y: 26, w: 13, h: 5 });

  // ---- Entrance and reception.
  b.nine('rug.welcome', 19, 26, 6, 4);
  b.stretch('reception', 26, 25, 4);
  b.put(27, 24, 'chair.office_down@stone');
  b.put(29, 28, 'watercooler');
  b.stretch('sofa.up', 15, 30, 3);
  b.put(15, 27, 'plant.small').put(17, 27, 'plant.small');
  b.obj('plant.bush', 18, 29).obj('plant.bush', 25, 29);
  b.obj('plant.snake', 15, 23).obj('plant.snake', 30, 23);
  b.zone({ name: 'Entrance', type: 'spawn', x: 20, y: 26, w: 4, h: 4 });

  // ---- Lounge.
  b.nine('rug', 34, 26, 6, 4);
  b.stretch('sofa.down', 35, 25, 4);
  b.obj('coffeetable', 36, 27);
  b.put(34, 27, 'armchair.right').put(39, 27, 'armchair.left');
  b.stretch('sofa.up', 35, 29, 4);
  b.put(42, 26, 'beanbag.red').put(44, 27, 'beanbag.blue');
  b.obj('lamp', 32, 24).obj('lamp', 46, 24);
  b.obj('bookshelf.a', 45, 29).obj('bookshelf.b', 46, 29);
  b.obj('plant.bush', 32, 29);

  return { meta, tmj: b.toTmj(meta) };
}

export function smallStudio(ts: Tileset): BuiltTemplate {
  const meta = metaOf('small-studio');
  const b = new MapBuilder(ts, 30, 22);
  b.floor(0, 0, 30, 22, 'office');
  b.floor(1, 2, 10, 8, 'blue');
  b.floor(1, 12, 11, 9, 'wood');
  b.floor(12, 14, 8, 7, 'stone');
  b.floor(21, 14, 8, 7, 'lilac');
  b.floor(24, 2, 5, 5, 'kitchen');

  b.wall(0, 0, 30, 2).wall(0, 0, 1, 22).wall(29, 0, 1, 22).wall(0, 21, 30, 1);
  // Studio room.
  b.wall(11, 0, 1, 12).wall(0, 10, 12, 2).door(5, 10, 2, 2);
  b.door(15, 21, 2, 1);
  b.obj('doormat', 15, 21);

  // ---- Studio room: 8 seats round one table, and a screen.
  b.window(1, 1, 2).window(8, 1, 2);
  b.obj('tv', 5, 1);
  meetingTable(b, 4, 5, 4, 2, 'blue', false);
  b.put(5, 5, 'table.laptop').put(6, 6, 'table.notes');
  b.obj('plant.bush', 10, 1);
  b.obj('plant.snake', 1, 8);
  b.put(10, 9, 'plant.small');
  b.zone({ name: 'Studio room', type: 'meeting-room', x: 1, y: 2, w: 10, h: 8, capacity: 8 });

  // ---- Desks: four pods of four, two by two.
  b.window(13, 1, 2).window(21, 1, 2);
  b.obj('whiteboard', 17, 1);
  deskPod(b, 14, 3, 'A', 1);
  deskPod(b, 20, 3, 'B', 1);
  deskPod(b, 14, 9, 'C', 1);
  deskPod(b, 20, 9, 'D', 1);
  b.obj('plant.bush', 12, 1).obj('plant.snake', 19, 10);
  b.obj('bookshelf.a', 12, 7).put(12, 12, 'plant.small');
  // Kitchenette in the top-right corner.
  b.obj('fridge', 28, 1);
  b.put(24, 2, 'counter.l').put(25, 2, 'counter.sink').put(27, 2, 'counter.r');
  b.obj('counter.coffee', 26, 1);
  b.put(24, 1, 'cabinet.upper').put(25, 1, 'cabinet.upper').put(27, 1, 'cabinet.upper');
  b.put(28, 6, 'watercooler').put(28, 7, 'printer');
  // A huddle table for quick chats, below the kitchenette.
  b.nine('table', 25, 9, 3, 2);
  b.put(25, 8, 'chair.office_down@office').put(27, 8, 'chair.office_down@office');
  b.put(25, 11, 'chair.office_up@office').put(27, 11, 'chair.office_up@office');
  b.put(26, 9, 'table.laptop').put(27, 10, 'table.mugs');
  b.put(28, 13, 'beanbag.blue');

  // ---- Lounge by the door.
  b.put(3, 11, 'painting.landscape').put(8, 11, 'clock');
  b.nine('rug', 3, 14, 6, 4);
  b.stretch('sofa.down', 4, 13, 4);
  b.obj('coffeetable', 5, 15);
  b.put(3, 15, 'armchair.right').put(8, 15, 'armchair.left');
  b.obj('bookshelf.a', 1, 18).obj('bookshelf.b', 2, 18);
  b.obj('lamp', 10, 12);
  b.put(6, 19, 'beanbag.red').put(9, 19, 'beanbag.blue');

  // ---- Entrance.
  b.nine('rug.welcome', 13, 16, 6, 4);
  b.obj('plant.snake', 12, 19).obj('plant.snake', 19, 19);
  b.zone({ name: 'Entrance', type: 'spawn', x: 14, y: 17, w: 4, h: 3 });

  // ---- Quiet nook.
  for (const x of [22, 24, 26]) {
    b.put(x, 15, 'desk.focus');
    b.put(x, 16, 'chair.office_up@lilac');
  }
  b.obj('plant.bush', 28, 14);
  b.put(22, 19, 'armchair.right');
  b.obj('lamp', 23, 18);
  b.obj('bookshelf.a', 27, 19).obj('bookshelf.b', 28, 19);
  b.zone({ name: 'Quiet nook', type: 'focus', x: 21, y: 14, w: 8, h: 7 });

  return { meta, tmj: b.toTmj(meta) };
}

/**
 * A bank of desks facing each other: `across` two-tile desks side by side, chairs on both long sides, so
 * `2 * across` places (4 tiles tall, `2 * across` wide). Each chair is a `desk` zone, numbered along the top row
 * then along the bottom row: "Desk A1".
 */
function deskBank(b: MapBuilder, x: number, y: number, across: number, label: string): void {
  for (let k = 0; k < across; k++) {
    const dx = x + k * 2;
    b.put(dx, y, 'chair.office_down@office');
    b.obj('desk.back', dx, y + 1);
    b.obj('desk.front', dx, y + 2);
    b.put(dx, y + 3, 'chair.office_up@office');
    b.zone({ name: `Desk ${label}${k + 1}`, type: 'desk', x: dx, y, w: 1, h: 1 });
  }
  for (let k = 0; k < across; k++) b.zone({ name: `Desk ${label}${across + k + 1}`, type: 'desk', x: x + k * 2, y: y + 3, w: 1, h: 1 });
}

/** A café table: a 2x2 table with a chair on each side of its long edges. */
function cafeTable(b: MapBuilder, x: number, y: number, floor: string): void {
  b.nine('table', x, y, 2, 2);
  b.put(x, y - 1, `chair.down@${floor}`).put(x + 1, y - 1, `chair.down@${floor}`);
  b.put(x, y + 2, `chair.up@${floor}`).put(x + 1, y + 2, `chair.up@${floor}`);
}

/** A sofa corner on a 6x4 rug: a sofa at each end, armchairs on the sides and a coffee table in the middle. */
function sofaCorner(b: MapBuilder, x: number, y: number): void {
  b.nine('rug', x, y, 6, 4);
  b.stretch('sofa.down', x + 1, y - 1, 4);
  b.obj('coffeetable', x + 2, y + 1);
  b.put(x, y + 1, 'armchair.right').put(x + 5, y + 1, 'armchair.left');
  b.stretch('sofa.up', x + 1, y + 3, 4);
}

/**
 * An open-plan floor for about 200 people. Mirrored about its middle: six meeting rooms and the kitchen along the top
 * wall, four rows of desk banks on either side of a central café and lounge, a walled focus room in each bottom corner
 * and the lobby with two entrances in the middle of the bottom wall. Corridors are three tiles wide.
 */
export function openPlanFloor(ts: Tileset): BuiltTemplate {
  const meta = metaOf('open-plan-floor');
  const W = 100;
  const H = 60;
  const b = new MapBuilder(ts, W, H);

  // ---- Floors first; walls painted later simply cover them.
  b.floor(0, 0, W, H, 'office');
  b.floor(1, 2, 18, 10, 'blue'); // Atlas
  b.floor(20, 2, 12, 10, 'green'); // Birch
  b.floor(33, 2, 8, 10, 'wood'); // Cedar
  b.floor(42, 2, 16, 10, 'kitchen'); // kitchen
  b.floor(59, 2, 8, 10, 'green'); // Delta
  b.floor(68, 2, 12, 10, 'blue'); // Elm
  b.floor(81, 2, 18, 10, 'wood'); // Fjord
  b.floor(41, 17, 18, 11, 'kitchen'); // café
  b.floor(41, 29, 18, 13, 'wood2'); // lounge
  b.floor(1, 47, 22, 12, 'lilac'); // library
  b.floor(77, 47, 22, 12, 'lilac'); // quiet room
  b.floor(24, 45, 17, 14, 'wood'); // west lounge
  b.floor(41, 45, 18, 14, 'stone'); // lobby
  b.floor(59, 45, 17, 14, 'wood2'); // east lounge

  // ---- Walls: the top wall is two tiles (wall top + front face) for the 3/4 look.
  b.wall(0, 0, W, 2).wall(0, 0, 1, H).wall(W - 1, 0, 1, H).wall(0, H - 1, W, 1);
  // Rooms and the kitchen along the top, each with a door onto the corridor.
  for (const x of [19, 32, 41, 58, 67, 80]) b.wall(x, 0, 1, 14);
  b.wall(0, 12, W, 2);
  for (const x of [9, 25, 36, 46, 52, 62, 73, 89]) b.door(x, 12, 2, 2);
  // Focus rooms in the bottom corners.
  b.wall(0, 45, 24, 2).wall(23, 45, 1, 15).door(11, 45, 2, 2);
  b.wall(76, 45, 24, 2).wall(76, 45, 1, 15).door(87, 45, 2, 2);
  // Two entrances into the lobby.
  for (const x of [44, 54]) {
    b.door(x, H - 1, 2, 1);
    b.obj('doormat', x, H - 1);
  }

  // ---- Atlas: the boardroom, 20 seats round a long table, a screen at the end of the room.
  b.window(2, 1, 3).window(14, 1, 3);
  b.obj('tv', 9, 1);
  meetingTable(b, 6, 6, 8, 2, 'blue', true);
  b.put(7, 6, 'table.laptop').put(11, 7, 'table.notes').put(9, 6, 'table.mugs');
  b.obj('plant.bush', 1, 1).obj('plant.bush', 18, 1);
  b.obj('bookshelf.a', 6, 1).obj('bookshelf.b', 12, 1);
  b.obj('plant.snake', 1, 10).obj('lamp', 18, 10);
  b.zone({ name: 'Atlas', type: 'meeting-room', x: 1, y: 2, w: 18, h: 10, capacity: 20 });

  // ---- Birch: 10 seats and a whiteboard.
  b.window(21, 1, 2).window(29, 1, 2);
  b.obj('whiteboard', 25, 1);
  meetingTable(b, 23, 6, 5, 2, 'green', false);
  b.put(24, 6, 'table.laptop').put(27, 7, 'table.notes');
  b.obj('plant.bush', 20, 9).obj('bookshelf.a', 31, 1).put(31, 10, 'plant.small');
  b.zone({ name: 'Birch', type: 'meeting-room', x: 20, y: 2, w: 12, h: 10, capacity: 10 });

  // ---- Cedar: a small lounge-style room for 6.
  b.window(34, 1, 2).window(38, 1, 2);
  b.put(36, 1, 'painting.landscape');
  b.stretch('sofa.down', 35, 2, 4);
  b.nine('rug', 34, 3, 6, 4);
  b.obj('coffeetable', 36, 4);
  b.put(34, 4, 'armchair.right').put(39, 4, 'armchair.left');
  b.obj('plant.bush', 33, 8).obj('lamp', 40, 8);
  b.put(33, 10, 'plant.small');
  b.zone({ name: 'Cedar', type: 'meeting-room', x: 33, y: 2, w: 8, h: 10, capacity: 6 });

  // ---- Kitchen: counters along the wall, a fridge at each end, eight tables of four.
  b.obj('fridge', 42, 1).obj('fridge', 57, 1);
  for (const [x, p] of [
    [43, 'l'],
    [44, 'm'],
    [45, 'sink'],
    [46, 'm'],
    [48, 'm'],
    [49, 'm'],
    [50, 'sink'],
    [51, 'm'],
    [52, 'r'],
  ] as const) {
    b.put(x, 2, `counter.${p}`);
    b.put(x, 1, 'cabinet.upper');
  }
  b.obj('counter.coffee', 47, 1);
  b.window(53, 1, 2);
  b.put(55, 1, 'clock');
  b.put(54, 2, 'watercooler').put(56, 2, 'bin');
  for (const x of [44, 49, 54]) {
    cafeTable(b, x, 5, 'kitchen');
    cafeTable(b, x, 9, 'kitchen');
  }
  b.put(44, 5, 'table.fruit').put(50, 6, 'table.mugs').put(54, 9, 'table.mugs').put(45, 10, 'table.notes');
  b.obj('plant.bush', 42, 6).obj('plant.bush', 57, 6).put(42, 10, 'plant.small').put(57, 10, 'plant.small');

  // ---- Delta: a huddle room for 4.
  b.window(60, 1, 2).window(64, 1, 2);
  b.obj('tv', 62, 1);
  cafeTable(b, 62, 6, 'green');
  b.put(62, 6, 'table.laptop');
  b.obj('plant.bush', 59, 1).obj('plant.snake', 66, 9).put(59, 10, 'plant.small');
  b.zone({ name: 'Delta', type: 'meeting-room', x: 59, y: 2, w: 8, h: 10, capacity: 4 });

  // ---- Elm: 8 seats and a whiteboard.
  b.window(69, 1, 2).window(77, 1, 2);
  b.obj('whiteboard', 73, 1);
  meetingTable(b, 72, 6, 4, 2, 'blue', false);
  b.put(73, 6, 'table.notes').put(74, 7, 'table.laptop');
  b.obj('plant.bush', 79, 9).obj('bookshelf.b', 68, 1).put(68, 10, 'plant.small');
  b.zone({ name: 'Elm', type: 'meeting-room', x: 68, y: 2, w: 12, h: 10, capacity: 8 });

  // ---- Fjord: a workshop room, 12 seats and two whiteboards.
  b.window(82, 1, 2).window(96, 1, 2);
  b.obj('whiteboard', 86, 1).obj('whiteboard', 92, 1);
  meetingTable(b, 87, 6, 6, 2, 'wood', false);
  b.put(88, 6, 'table.notes').put(91, 7, 'table.laptop').put(89, 7, 'table.mugs');
  b.obj('plant.bush', 98, 1).obj('plant.bush', 81, 1);
  b.obj('lamp', 81, 10).obj('plant.snake', 98, 10);
  b.obj('bookshelf.a', 84, 9).obj('bookshelf.b', 95, 9);
  b.zone({ name: 'Fjord', type: 'meeting-room', x: 81, y: 2, w: 18, h: 10, capacity: 12 });

  // ---- The corridor side of the top walls.
  for (const [x, name] of [
    [4, 'painting.landscape'],
    [15, 'painting.abstract'],
    [22, 'clock'],
    [30, 'painting.landscape'],
    [69, 'painting.abstract'],
    [77, 'clock'],
    [84, 'painting.abstract'],
    [95, 'painting.landscape'],
  ] as const)
    b.put(x, 13, name);
  b.obj('noticeboard', 48, 13).obj('noticeboard', 50, 13);

  // ---- Desks: four rows of banks on each side, 10 + 8 + 8 places per side and row, 208 in all.
  const rowYs = [17, 24, 31, 38];
  const west: [number, number][] = [
    [4, 5],
    [17, 4],
    [28, 4],
  ];
  const east: [number, number][] = [
    [64, 4],
    [75, 4],
    [86, 5],
  ];
  let bank = 0;
  rowYs.forEach((y, row) => {
    for (const [x, across] of [...west, ...east]) deskBank(b, x, y, across, String.fromCharCode(65 + bank++));
    // Plants in the gaps between banks, with a free column on either side.
    for (const gx of [15, 26, 73, 84]) b.obj(row % 2 === 0 ? 'plant.bush' : 'plant.snake', gx, y + 1);
    // A plant at each end of the inner banks, on the spine side.
    b.put(37, y + 1, 'plant.small').put(62, y + 1, 'plant.small');
  });
  // Printers, cabinets and water along the outer walls.
  for (const x of [1, W - 2]) {
    b.put(x, 21, 'printer').put(x, 22, 'cabinet').put(x, 23, 'cabinet');
    b.put(x, 35, 'watercooler').put(x, 36, 'bin');
    b.obj('plant.bush', x, 28);
  }
  b.obj('lamp', 1, 15).obj('lamp', W - 2, 15).obj('lamp', 1, 41).obj('lamp', W - 2, 41);

  // ---- Café in the middle of the floor: six tables of four.
  for (const x of [43, 49, 55]) {
    cafeTable(b, x, 19, 'kitchen');
    cafeTable(b, x, 24, 'kitchen');
  }
  b.put(44, 19, 'table.mugs').put(49, 25, 'table.fruit').put(56, 20, 'table.notes').put(43, 25, 'table.laptop');
  b.obj('plant.bush', 41, 17).obj('plant.bush', 58, 17);
  b.obj('plant.snake', 41, 25).obj('plant.snake', 58, 25);

  // ---- Lounge below the café: two sofa corners, books and beanbags.
  sofaCorner(b, 42, 32);
  sofaCorner(b, 52, 32);
  b.obj('lamp', 41, 29).obj('lamp', 58, 29);
  b.obj('bookshelf.a', 45, 37).obj('bookshelf.b', 46, 37).obj('bookshelf.a', 53, 37).obj('bookshelf.b', 54, 37);
  b.put(42, 39, 'beanbag.red').put(49, 39, 'beanbag.blue').put(50, 39, 'beanbag.red').put(57, 39, 'beanbag.blue');
  b.obj('plant.bush', 41, 40).obj('plant.bush', 58, 40);

  // ---- Focus rooms: quiet desks facing the wall and a middle row of them, books and armchairs.
  for (const [ox, name] of [
    [0, 'Library'],
    [76, 'Quiet room'],
  ] as const) {
    for (const dx of [2, 4, 6, 8, 15, 17, 19, 21]) {
      b.put(ox + dx, 47, 'desk.focus').put(ox + dx, 48, 'chair.office_up@lilac');
      b.put(ox + dx, 51, 'desk.focus').put(ox + dx, 52, 'chair.office_up@lilac');
    }
    b.put(ox + 3, 46, 'painting.landscape').put(ox + 20, 46, 'painting.abstract');
    b.obj('bookshelf.a', ox + 1, 56).obj('bookshelf.b', ox + 2, 56).obj('bookshelf.a', ox + 21, 56).obj('bookshelf.b', ox + 22, 56);
    b.put(ox + 7, 57, 'armchair.right').put(ox + 16, 57, 'armchair.left');
    b.obj('lamp', ox + 9, 56).obj('plant.bush', ox + 14, 56);
    b.obj('plant.snake', ox + 11, 55).obj('plant.snake', ox + 12, 55);
    b.zone({ name, type: 'focus', x: ox + 1, y: 47, w: 22, h: 12 });
  }

  // ---- West lounge: lockers, a print corner and a sofa corner.
  for (let y = 47; y <= 57; y++) b.put(24, y, y === 52 ? 'printer' : 'cabinet');
  sofaCorner(b, 29, 50);
  b.obj('lamp', 27, 48).obj('plant.bush', 36, 48).obj('plant.bush', 39, 56);
  b.put(30, 56, 'beanbag.blue').put(33, 57, 'beanbag.red');

  // ---- East lounge: a sofa corner, books and beanbags.
  sofaCorner(b, 65, 50);
  b.obj('bookshelf.a', 74, 47).obj('bookshelf.b', 75, 47).obj('bookshelf.a', 74, 56).obj('bookshelf.b', 75, 56);
  b.obj('lamp', 72, 48).obj('plant.bush', 63, 48).obj('plant.bush', 60, 56);
  b.put(66, 56, 'beanbag.red').put(69, 57, 'beanbag.blue');

  // ---- Lobby: reception facing the doors, a welcome rug between them, somewhere to wait.
  b.stretch('reception', 47, 49, 6);
  b.put(48, 48, 'chair.office_down@stone').put(51, 48, 'chair.office_down@stone');
  b.put(47, 47, 'plant.small').put(52, 47, 'plant.small');
  b.nine('rug.welcome', 46, 53, 8, 4);
  b.stretch('sofa.up', 42, 50, 3).stretch('sofa.up', 55, 50, 3);
  b.obj('plant.bush', 41, 47).obj('plant.bush', 58, 47);
  b.obj('plant.snake', 41, 56).obj('plant.snake', 58, 56);
  b.put(49, 57, 'plant.small').put(50, 57, 'plant.small');
  b.zone({ name: 'Entrance west', type: 'spawn', x: 43, y: 55, w: 4, h: 4 });
  b.zone({ name: 'Entrance east', type: 'spawn', x: 53, y: 55, w: 4, h: 4 });

  return { meta, tmj: b.toTmj(meta) };
}

/**
 * A large hall for events and all-hands: a grid of exhibition stands (a table with chairs and a plant) on wide aisles,
 * meeting rooms along the top wall, a quiet area in a corner and entrances spread along the bottom wall, so people
 * arriving together spread out. Sized in blocks of 20x16 tiles, about one person per 20 walkable tiles at capacity.
 */
function hall(ts: Tileset, id: string, blocksX: number, blocksY: number, rooms: number): BuiltTemplate {
  const meta = metaOf(id);
  const roomDepth = 12;
  const w = blocksX * 20 + 2;
  const h = 2 + roomDepth + 2 + blocksY * 16 + 1;
  const b = new MapBuilder(ts, w, h);
  b.floor(0, 0, w, h, 'stone');
  b.wall(0, 0, w, 2).wall(0, 0, 1, h).wall(w - 1, 0, 1, h).wall(0, h - 1, w, 1);

  // Meeting rooms along the top wall, evenly spaced, each with a door onto the hall.
  const roomW = Math.floor((w - 2) / rooms);
  for (let i = 0; i < rooms; i++) {
    const x = 1 + i * roomW;
    const floor = ['blue', 'green', 'wood', 'kitchen'][i % 4]!;
    b.floor(x, 2, roomW - 1, roomDepth, floor);
    if (i > 0) b.wall(x - 1, 0, 1, roomDepth + 2);
    b.wall(x - 1, roomDepth + 2, roomW + 1, 2).door(x + Math.floor(roomW / 2) - 1, roomDepth + 2, 2, 2);
    b.window(x + 1, 1, 2).window(x + roomW - 4, 1, 2);
    meetingTable(b, x + Math.floor(roomW / 2) - 3, 5, 6, 2, floor, true);
    b.obj('plant.bush', x + 1, 9);
    b.zone({ name: `Room ${i + 1}`, type: 'meeting-room', x, y: 2, w: roomW - 1, h: roomDepth, capacity: 16 });
  }
  if ((w - 2) % roomW !== 0) b.wall(1 + rooms * roomW - 1, 0, w - (rooms * roomW), roomDepth + 2);

  // Exhibition stands on a grid, with aisles wide enough for crowds.
  const top = roomDepth + 4;
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      const x = 1 + bx * 20;
      const y = top + by * 16;
      if (bx === blocksX - 1 && by === 0) continue; // the quiet area goes here
      b.floor(x + 6, y + 4, 8, 5, 'wood');
      b.nine('table', x + 7, y + 6, 6, 2);
      for (let i = x + 7; i < x + 13; i += 2) b.put(i, y + 5, 'chair.down@wood');
      b.obj(bx % 2 === 0 ? 'plant.bush' : 'plant.snake', x + 4, y + 5);
      b.put(x + 15, y + 7, 'plant.small');
    }
  }
  // Quiet area in the top-right block.
  const qx = 1 + (blocksX - 1) * 20;
  b.floor(qx, top, 20, 16, 'lilac');
  [qx + 3, qx + 6, qx + 9, qx + 12, qx + 15].forEach((x, i) => {
    b.put(x, top + 4, 'desk.focus');
    b.put(x, top + 5, 'chair.office_up@lilac');
    b.zone({ name: `Desk Q${i + 1}`, type: 'desk', x, y: top + 5, w: 1, h: 1 });
  });
  b.zone({ name: 'Quiet area', type: 'focus', x: qx, y: top, w: 20, h: 16 });

  // Entrances: a door and a spawn area every few blocks along the bottom wall.
  for (let bx = 0; bx < blocksX; bx += 2) {
    const x = 1 + bx * 20 + 8;
    b.door(x, h - 1, 2, 1);
    b.obj('doormat', x, h - 1);
    b.zone({ name: `Entrance ${bx / 2 + 1}`, type: 'spawn', x: x - 3, y: h - 6, w: 8, h: 4 });
  }
  return { meta, tmj: b.toTmj(meta) };
}

export function eventHall(ts: Tileset): BuiltTemplate {
  return hall(ts, 'event-hall', 8, 6, 6);
}

export function conventionCentre(ts: Tileset): BuiltTemplate {
  return hall(ts, 'convention-centre', 24, 24, 16);
}

const BUILDERS: Record<string, (ts: Tileset) => BuiltTemplate> = {
  'open-office': openOffice,
  'open-plan-floor': openPlanFloor,
  'small-studio': smallStudio,
  'event-hall': eventHall,
  'convention-centre': conventionCentre,
};

/** Every template listed in src/index.ts, in that order. */
export function buildTemplates(ts: Tileset): BuiltTemplate[] {
  return templates.map((t) => {
    const build = BUILDERS[t.id];
    if (!build) throw new Error(`no builder for template ${t.id}`);
    return build(ts);
  });
}
