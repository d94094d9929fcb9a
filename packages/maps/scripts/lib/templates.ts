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
  const b = new MapBuilder(ts, 30, 20);
  b.floor(0, 0, 30, 20, 'office');
  b.floor(1, 2, 10, 6, 'blue');
  b.floor(1, 10, 11, 9, 'wood');
  b.floor(12, 12, 8, 7, 'stone');
  b.floor(21, 12, 8, 7, 'lilac');

  b.wall(0, 0, 30, 2).wall(0, 0, 1, 20).wall(29, 0, 1, 20).wall(0, 19, 30, 1);
  // Studio room.
  b.wall(11, 0, 1, 10).wall(0, 8, 12, 2).door(5, 8, 2, 2);
  b.door(15, 19, 2, 1);
  b.obj('doormat', 15, 19);

  b.window(1, 1, 2).window(8, 1, 2);
  b.obj('tv', 4, 1);
  meetingTable(b, 4, 4, 3, 2, 'blue', false);
  b.obj('plant.bush', 10, 1);
  b.obj('plant.snake', 1, 6);
  b.zone({ name: 'Studio room', type: 'meeting-room', x: 1, y: 2, w: 10, h: 6, capacity: 6 });

  // Desks.
  b.window(13, 1, 2).window(21, 1, 2);
  b.obj('whiteboard', 17, 1);
  deskPod(b, 14, 3, 'A', 1);
  deskPod(b, 20, 3, 'B', 1);
  b.obj('plant.bush', 12, 1).obj('plant.snake', 19, 8);
  // A huddle table for quick chats.
  b.nine('table', 14, 9, 3, 2);
  b.put(14, 8, 'chair.office_down@office').put(16, 8, 'chair.office_down@office');
  b.put(14, 11, 'chair.office_up@office').put(16, 11, 'chair.office_up@office');
  b.put(15, 9, 'table.laptop');
  b.obj('bookshelf.a', 22, 8).obj('bookshelf.b', 23, 8);
  b.put(26, 10, 'beanbag.blue');
  // Kitchenette in the top-right corner.
  b.obj('fridge', 28, 1);
  b.put(25, 2, 'counter.l').put(27, 2, 'counter.r');
  b.obj('counter.coffee', 26, 1);
  b.put(25, 1, 'cabinet.upper').put(27, 1, 'cabinet.upper');
  b.put(28, 6, 'watercooler').put(28, 7, 'printer');

  // Lounge by the door.
  b.put(3, 9, 'painting.landscape').put(8, 9, 'clock');
  b.nine('rug', 3, 12, 6, 4);
  b.stretch('sofa.down', 4, 11, 4);
  b.obj('coffeetable', 5, 13);
  b.put(3, 13, 'armchair.right').put(8, 13, 'armchair.left');
  b.obj('bookshelf.a', 1, 16).obj('bookshelf.b', 2, 16);
  b.obj('lamp', 10, 10);
  b.put(6, 17, 'beanbag.red').put(9, 17, 'beanbag.blue');

  // Entrance.
  b.nine('rug.welcome', 13, 14, 6, 4);
  b.obj('plant.snake', 12, 17).obj('plant.snake', 19, 17);
  b.zone({ name: 'Entrance', type: 'spawn', x: 14, y: 15, w: 4, h: 3 });

  // Quiet nook.
  for (const x of [22, 24, 26]) {
    b.put(x, 13, 'desk.focus');
    b.put(x, 14, 'chair.office_up@lilac');
  }
  b.obj('plant.bush', 28, 12);
  b.put(22, 17, 'armchair.right');
  b.obj('lamp', 23, 16);
  b.obj('bookshelf.a', 27, 17).obj('bookshelf.b', 28, 17);
  b.zone({ name: 'Quiet nook', type: 'focus', x: 21, y: 12, w: 8, h: 7 });

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
