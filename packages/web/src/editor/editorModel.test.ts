import { describe, expect, it } from 'vitest';
import { ASCII_GIDS, OfficeMap, tiledFromAscii, validateTiledMap, type TilesetRule } from '@metaoffice/world';
import { EditorDocument, flipMatrix, lineTiles } from './editorModel.js';

// 10x10, the smallest map the validator accepts.
const ROWS = ['##########', '#SS......#', '#........#', '#....T...#', ...Array.from({ length: 5 }, () => '#........#'), '##########'];
const fresh = () => tiledFromAscii(ROWS, { zones: [{ kind: 'meeting-room', name: 'Blue room', x: 5, y: 1, width: 3, height: 2, capacity: 4 }] });
const open = () => new EditorDocument(structuredClone(fresh()) as never);
const rule = (): TilesetRule => ({ embedded: structuredClone(fresh().tilesets[0]) as TilesetRule['embedded'], externalSources: [] });
const WALL = ASCII_GIDS.wall;

describe('EditorDocument', () => {
  it('opens a map unchanged: writing it back gives the same map, which still validates', () => {
    const doc = open();
    expect(doc.toTiled()).toEqual(fresh());
    expect(doc.zones.map((z) => [z.kind, z.x, z.y, z.width, z.height])).toEqual([
      ['spawn', 1, 1, 2, 1],
      ['meeting-room', 5, 1, 3, 2],
    ]);
    expect(doc.zones[1]!.name).toBe('Blue room');
    expect(doc.zones[1]!.capacity).toBe(4);
    expect(validateTiledMap(doc.toTiled(), { tileset: rule() }).ok).toBe(true);
    expect(doc.dirty).toBe(false);
  });

  it('paints a wall onto a floor tile: the tile stops being walkable in the rules, and undo and redo step through it', () => {
    const doc = open();
    expect(doc.walkable(3, 2)).toBe(true);
    expect(doc.paint('walls', [{ x: 3, y: 2 }], WALL)).toBe(true);
    expect(doc.walkable(3, 2)).toBe(false);
    expect(OfficeMap.fromTiled(doc.toTiled() as never).isWalkable(3, 2)).toBe(false);
    expect(doc.dirty).toBe(true);
    expect(doc.undo()).toBe(true);
    expect(doc.walkable(3, 2)).toBe(true);
    expect(doc.toTiled()).toEqual(fresh());
    expect(doc.redo()).toBe(true);
    expect(doc.walkable(3, 2)).toBe(false);
    expect(doc.redo()).toBe(false);
  });

  it('a stroke is one step; painting what is there already, or outside the map, records nothing', () => {
    const doc = open();
    expect(doc.paint('walls', lineTiles({ x: 1, y: 2 }, { x: 4, y: 2 }), WALL)).toBe(true);
    expect([1, 2, 3, 4].every((x) => !doc.walkable(x, 2))).toBe(true);
    expect(doc.paint('walls', [{ x: 1, y: 2 }, { x: -1, y: 0 }, { x: 10, y: 2 }], WALL)).toBe(false);
    doc.undo();
    expect([1, 2, 3, 4].every((x) => doc.walkable(x, 2))).toBe(true);
    expect(doc.canUndo).toBe(false);
    // Erasing is painting 0.
    expect(doc.paint('furniture', [{ x: 5, y: 3 }], 0)).toBe(true);
    expect(doc.walkable(5, 3)).toBe(true);
    expect(() => doc.paint('floor', [{ x: 1, y: 1 }], -3)).toThrow(/no such tile/);
  });

  it('draws, names, assigns and removes zones; a new edit after undo drops the redo history', () => {
    const doc = open();
    const desk = doc.addZone('desk', { x: 4, y: 2 }, { x: 4, y: 2 });
    expect(desk).toMatchObject({ kind: 'desk', name: 'Desk 1', x: 4, y: 2, width: 1, height: 1 });
    doc.updateZone(desk.id, { member: 'user-42', name: "Ada's desk" });
    const focus = doc.addZone('focus', { x: 3, y: 3 }, { x: 1, y: 2 });
    expect(focus).toMatchObject({ x: 1, y: 2, width: 3, height: 2 });
    const saved = doc.toTiled();
    const rules = OfficeMap.fromTiled(saved as never);
    expect(rules.zoneById(String(desk.id))).toMatchObject({ name: "Ada's desk", member: 'user-42' });
    expect(validateTiledMap(saved, { tileset: rule() }).ok).toBe(true);
    // A desk turned into a room loses its person and gets no capacity it did not have.
    const room = doc.updateZone(desk.id, { kind: 'meeting-room', capacity: 3 })!;
    expect(room.member).toBeUndefined();
    expect(room.capacity).toBe(3);
    doc.undo();
    expect(doc.zones.find((z) => z.id === desk.id)).toMatchObject({ kind: 'desk', member: 'user-42' });
    doc.removeZone(focus.id);
    expect(doc.zoneAt(2, 3)).toBeUndefined();
    expect(doc.canRedo).toBe(false);
    doc.undo();
    expect(doc.zoneAt(2, 3)?.id).toBe(focus.id);
    // Ids never repeat, and the map's next object id moves past them.
    expect((doc.toTiled().nextobjectid ?? 0) > focus.id).toBe(true);
  });

  it('moves and resizes a zone inside the map, one undo step each', () => {
    const doc = open();
    const room = doc.zones.find((z) => z.kind === 'meeting-room')!;
    expect(doc.placeZone(room.id, { x: 2, y: 4 })).toMatchObject({ x: 2, y: 4, width: 3, height: 2 });
    // Dragged past the edge: stopped at it. Sized to nothing: one tile.
    expect(doc.placeZone(room.id, { x: 50, y: -3 })).toMatchObject({ x: 7, y: 0 });
    expect(doc.placeZone(room.id, { width: 0, height: 40 })).toMatchObject({ width: 1, height: 10, y: 0 });
    doc.undo();
    doc.undo();
    expect(doc.zones.find((z) => z.id === room.id)).toMatchObject({ x: 2, y: 4, width: 3, height: 2 });
    expect(OfficeMap.fromTiled(doc.toTiled() as never).zoneById(String(room.id))).toMatchObject({ x: 2, y: 4, width: 3, height: 2 });
  });

  it('an edit the validator refuses is caught before saving: a map without a spawn zone', () => {
    const doc = open();
    doc.removeZone(doc.zones.find((z) => z.kind === 'spawn')!.id);
    const result = validateTiledMap(doc.toTiled(), { tileset: rule() });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([expect.stringMatching(/spawn/)]);
  });

  it('lineTiles covers every tile between two points, including diagonals', () => {
    expect(lineTiles({ x: 0, y: 0 }, { x: 3, y: 1 })).toEqual([{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 2, y: 1 }, { x: 3, y: 1 }]);
    expect(lineTiles({ x: 2, y: 2 }, { x: 2, y: 2 })).toEqual([{ x: 2, y: 2 }]);
  });
});

describe('resizing the map', () => {
  it('grows and shrinks from the top-left corner: tiles kept, new ones empty, zones cut or dropped; one undo step; still a valid map', () => {
    const doc = open();
    expect(doc.resize(10, 10)).toBe(false);
    expect(doc.resize(14, 12)).toBe(true);
    expect([doc.width, doc.height]).toEqual([14, 12]);
    expect(doc.tileAt('walls', 0, 0)).toBe(WALL);
    expect(doc.tileAt('floor', 12, 11)).toBe(0);
    expect(doc.walkable(12, 11)).toBe(false);
    const grown = doc.toTiled();
    expect([grown.width, grown.height]).toEqual([14, 12]);
    expect(validateTiledMap(grown, { tileset: rule() }).ok).toBe(true);
    const map = OfficeMap.fromTiled(grown as never);
    expect(map.isWalkable(3, 2)).toBe(true);
    expect(map.isWalkable(12, 11)).toBe(false);

    // Down to 10 x 10 again, then narrower than the meeting room reaches: it is cut at the edge.
    doc.undo();
    expect([doc.width, doc.height]).toEqual([10, 10]);
    expect(doc.toTiled()).toEqual(fresh());
    doc.redo();
    expect(doc.resize(10, 10)).toBe(true);
    expect(doc.toTiled()).toEqual(fresh());
    doc.placeZone(doc.zones[1]!.id, { x: 7, width: 3 });
    expect(doc.resize(11, 10)).toBe(true);
    doc.paint('floor', [{ x: 10, y: 5 }], doc.tileAt('floor', 3, 2));
    expect(doc.walkable(10, 5)).toBe(true);
    expect(() => doc.resize(9, 10)).toThrow(/from 10 to 500/);
    expect(() => doc.resize(500, 500)).toThrow(/at most 200,000 tiles/);
    expect([doc.width, doc.height]).toEqual([11, 10]);
    // Painting after a resize undoes before the resize does.
    doc.undo();
    expect(doc.walkable(10, 5)).toBe(false);
    doc.undo();
    expect([doc.width, doc.height]).toEqual([10, 10]);
  });

  it('drops zones left wholly outside and cuts those across the new edge', () => {
    const rows = Array.from({ length: 12 }, (_, y) => (y === 0 || y === 11 ? '#'.repeat(12) : y === 1 ? `#S${'.'.repeat(9)}#` : `#${'.'.repeat(10)}#`));
    const doc = new EditorDocument(structuredClone(tiledFromAscii(rows, {
      zones: [
        { kind: 'meeting-room', name: 'Across', x: 8, y: 2, width: 3, height: 2, capacity: 4 },
        { kind: 'focus', name: 'Outside', x: 10, y: 8, width: 1, height: 2 },
      ],
    })) as never);
    doc.resize(10, 10);
    expect(doc.zones.filter((z) => z.kind !== 'spawn').map((z) => [z.name, z.x, z.y, z.width, z.height, z.capacity])).toEqual([['Across', 8, 2, 2, 2, 4]]);
    expect(doc.zones.filter((z) => z.kind === 'spawn')).toHaveLength(1);
  });
});

describe('flipMatrix', () => {
  // Where a point of the tile (relative to its centre) lands for each of Tiled's eight flip combinations:
  // transpose first when diagonal, then mirror horizontally, then vertically.
  const expected = (h: boolean, v: boolean, dg: boolean, [x, y]: [number, number]): [number, number] => {
    let [px, py] = dg ? [y, x] : [x, y];
    if (h) px = -px;
    if (v) py = -py;
    return [px, py];
  };
  it('draws each of the eight flip combinations as Tiled does', () => {
    for (let bits = 0; bits < 8; bits++) {
      const h = (bits & 4) !== 0;
      const v = (bits & 2) !== 0;
      const dg = (bits & 1) !== 0;
      const cell = ((bits << 29) >>> 0) + 7;
      const [a, b, c, d] = flipMatrix(cell);
      for (const p of [[1, 2], [-3, 5], [4, -1]] as [number, number][]) {
        // Canvas transform(a, b, c, d): (x, y) -> (a x + c y, b x + d y).
        expect([a * p[0] + c * p[1], b * p[0] + d * p[1]], `bits ${bits} at ${p}`).toEqual(expected(h, v, dg, p));
      }
    }
    expect(flipMatrix(7)).toEqual([1, 0, 0, 1]);
  });
});
