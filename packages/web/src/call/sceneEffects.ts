import * as Phaser from 'phaser';
import { OfficeMap, type Zone } from '@metaoffice/world';
import type { OfficeScene } from '../office/OfficeScene.js';

const TILE = 32;
/** Above avatars, furniture tops and room tags, below the name labels (10 000+) so every name stays readable. */
const DEPTH_ROOM_SHADE = 9_000;
const DEPTH_BURST = 30_000;
const BURST_COUNT = 5;
const BURST_MS = 1_700;
const EMOJI_FONT = '"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", "Twemoji Mozilla", sans-serif';

/**
 * What calls add to the map: the meeting-room view (the room I stand in is highlighted, the rest of the map greyed
 * out) and reaction bursts floating up over an avatar. Drawn with Phaser objects in the office scene; the scene
 * itself only lends its sprites and my tile.
 */
export class CallSceneEffects {
  private readonly shade: Phaser.GameObjects.Graphics;
  private readonly frame: Phaser.GameObjects.Graphics;
  private room: Zone | null = null;
  private readonly map: OfficeMap | null;
  private readonly onUpdate = () => this.followSelf();

  constructor(private readonly scene: OfficeScene, mapJson: unknown) {
    let map: OfficeMap | null = null;
    try {
      map = OfficeMap.fromTiled(mapJson);
    } catch {
      // A map the world model cannot read has no rooms to highlight; everything else still works.
    }
    this.map = map;
    this.shade = scene.add.graphics().setDepth(DEPTH_ROOM_SHADE).setAlpha(0).setVisible(false);
    this.frame = scene.add.graphics().setDepth(DEPTH_ROOM_SHADE + 1).setAlpha(0).setVisible(false);
    scene.events.on(Phaser.Scenes.Events.UPDATE, this.onUpdate);
  }

  /** The meeting room I stand in, if any. */
  get currentRoom(): Zone | null {
    return this.room;
  }

  destroy(): void {
    this.scene.events.off(Phaser.Scenes.Events.UPDATE, this.onUpdate);
    this.shade.destroy();
    this.frame.destroy();
  }

  private followSelf(): void {
    const at = this.scene.selfTile();
    const room = at && this.map?.inBounds(at.x, at.y) ? (this.map.zonesAt(at.x, at.y).find((z) => z.kind === 'meeting-room') ?? null) : null;
    if (room?.id === this.room?.id) return;
    this.room = room;
    this.drawRoom();
  }

  private drawRoom(): void {
    const room = this.room;
    this.scene.tweens.killTweensOf([this.shade, this.frame]);
    if (!room || !this.map) {
      this.scene.tweens.add({
        targets: [this.shade, this.frame],
        alpha: 0,
        duration: 200,
        onComplete: () => {
          this.shade.setVisible(false);
          this.frame.setVisible(false);
        },
      });
      return;
    }
    const W = this.map.width * TILE;
    const H = this.map.height * TILE;
    const x = room.x * TILE;
    const y = room.y * TILE;
    const w = room.width * TILE;
    const h = room.height * TILE;
    const g = this.shade.clear();
    g.fillStyle(0x0e0d18, 0.62);
    g.fillRect(0, 0, W, y);
    g.fillRect(0, y + h, W, H - y - h);
    g.fillRect(0, y, x, h);
    g.fillRect(x + w, y, W - x - w, h);
    const f = this.frame.clear();
    f.lineStyle(3, 0x8b8cf8, 0.35);
    f.strokeRect(x - 1.5, y - 1.5, w + 3, h + 3);
    f.lineStyle(1, 0xc5c7f5, 0.9);
    f.strokeRect(x - 0.5, y - 0.5, w + 1, h + 1);
    this.shade.setVisible(true);
    this.frame.setVisible(true);
    this.scene.tweens.add({ targets: [this.shade, this.frame], alpha: 1, duration: 260, ease: 'Sine.easeOut' });
  }

  /** An emoji burst rising over the avatar: one big emoji and a few small ones drifting up and fading. */
  burst(avatarId: number, emoji: string): void {
    const sprite = this.scene.avatarSprite(avatarId);
    if (!sprite) return;
    const cssZoom = this.scene.cameras.main.zoom / (window.devicePixelRatio || 1);
    const resolution = Math.max(2, Math.ceil(window.devicePixelRatio || 1));
    for (let i = 0; i < BURST_COUNT; i++) {
      const big = i === 0;
      const text = this.scene.add
        .text(0, 0, emoji, { fontFamily: EMOJI_FONT, fontSize: big ? '30px' : '20px', resolution, padding: { top: 4, bottom: 4 } })
        .setOrigin(0.5, 1)
        .setDepth(DEPTH_BURST + i)
        .setAlpha(0);
      text.texture.setFilter(Phaser.Textures.FilterMode.LINEAR);
      const drift = big ? 0 : (Math.random() - 0.5) * 34;
      const rise = (big ? 46 : 34 + Math.random() * 22) / 1;
      const baseScale = 1 / cssZoom;
      const place = (p: number) => {
        if (!sprite.active) return;
        // Ease out as it rises; a little sway; pop in, fade out over the last third.
        const up = 1 - (1 - p) * (1 - p);
        const sway = Math.sin(p * Math.PI * 2 + i) * (big ? 0 : 3);
        text.setPosition(sprite.x + sprite.displayWidth / 2 + drift * up + sway, sprite.y - 6 - rise * up);
        const pop = p < 0.12 ? 0.6 + (p / 0.12) * 0.5 : p < 0.2 ? 1.1 - ((p - 0.12) / 0.08) * 0.1 : 1;
        text.setScale(baseScale * pop);
        text.setAlpha(p < 0.05 ? p / 0.05 : p > 0.65 ? Math.max(0, (1 - p) / 0.35) : 1);
      };
      place(0);
      this.scene.tweens.addCounter({
        from: 0,
        to: 1,
        duration: big ? BURST_MS : BURST_MS * (0.75 + Math.random() * 0.3),
        delay: big ? 0 : 80 + i * 110,
        onUpdate: (tw) => place(tw.getValue() ?? 0),
        onComplete: () => text.destroy(),
      });
    }
  }
}
