import * as Phaser from 'phaser';

const FONT_CSS_PX = 11;
const PAD_X = 6;
const PAD_Y = 2;
const SWATCH = 6;
const GAP = 5;

export type RoomKind = 'meeting-room' | 'focus';
export type TagKind = RoomKind | 'desk';

const kindColour: Record<TagKind, number> = { 'meeting-room': 0x9ea2ff, focus: 0x4fd1c5, desk: 0xf6ad55 };

/**
 * The name of a meeting room or focus area, in its top-left corner, so people can say "meet me in the Blue room".
 * Drawn at screen scale like the name labels. It hangs on the room's top wall, above the decoration layer (tall
 * furniture reaches into it), where avatars rarely stand.
 */
export class RoomTag {
  private readonly container: Phaser.GameObjects.Container;

  constructor(scene: Phaser.Scene, x: number, y: number, readonly text: string, readonly kind: TagKind, cssZoom: number, resolution: number) {
    const label = scene.add.text(0, 0, text, {
      fontFamily: '"Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif',
      fontSize: `${FONT_CSS_PX}px`,
      fontStyle: 'bold',
      color: '#ffffff',
      resolution,
    });
    label.texture.setFilter(Phaser.Textures.FilterMode.LINEAR);
    const w = PAD_X + SWATCH + GAP + label.width + PAD_X;
    const h = label.height + PAD_Y * 2;
    const pill = scene.add.graphics();
    pill.fillStyle(0x1e1c2d, 0.72);
    pill.fillRoundedRect(0, 0, w, h, 4);
    pill.fillStyle(kindColour[kind], 1);
    pill.fillRoundedRect(PAD_X, (h - SWATCH) / 2, SWATCH, SWATCH, 1.5);
    label.setPosition(PAD_X + SWATCH + GAP, PAD_Y);
    this.container = scene.add.container(x, y, [pill, label]);
    this.container.setDepth(6_000).setAlpha(0.92);
    this.setZoom(cssZoom);
  }

  setZoom(cssZoom: number): void {
    this.container.setScale(1 / cssZoom);
  }

  destroy(): void {
    this.container.destroy(true);
  }
}

interface TiledObject {
  name?: string;
  type?: string;
  class?: string;
  x?: number;
  y?: number;
  properties?: { name: string; value: unknown }[];
}

function zoneObjects(map: unknown): TiledObject[] {
  const layers = (map as { layers?: { type?: string; name?: string; objects?: TiledObject[] }[] } | null)?.layers ?? [];
  return layers.filter((l) => l.type === 'objectgroup').flatMap((l) => l.objects ?? []);
}

/** Desks assigned to a person (the `member` property: their user id), with the desk's top-left corner in pixels. */
export function desksOf(map: unknown): { member: string; x: number; y: number }[] {
  return zoneObjects(map).flatMap((o) => {
    const member = o.properties?.find((p) => p.name === 'member')?.value;
    return (o.type || o.class) === 'desk' && typeof member === 'string' ? [{ member, x: o.x ?? 0, y: o.y ?? 0 }] : [];
  });
}

/** Meeting rooms and focus areas from the map's `zones` object layer. */
export function roomsOf(map: unknown): { name: string; kind: RoomKind; x: number; y: number; capacity?: number }[] {
  return zoneObjects(map).flatMap((o) => {
    const kind = o.type || o.class;
    if ((kind !== 'meeting-room' && kind !== 'focus') || !o.name) return [];
    const capacity = o.properties?.find((p) => p.name === 'capacity')?.value;
    return [{ name: o.name, kind, x: o.x ?? 0, y: o.y ?? 0, ...(typeof capacity === 'number' ? { capacity } : {}) }];
  });
}
