import * as Phaser from 'phaser';
import { availabilityColour, type Availability } from '@metaoffice/protocol';

/** Screen size of the label text in CSS pixels, whatever the map zoom. */
const FONT_CSS_PX = 12;
const PAD_X = 7;
const PAD_Y = 3;
const DOT = 7;
const GAP = 5;

/**
 * A name pill above an avatar: a dot and a border in the person's availability colour, the name in white on a dark
 * pill so every colour stays readable on any floor. It lives outside grid-engine's container so it can sit above
 * the decoration layer and other avatars.
 *
 * The pill is drawn at screen scale: the container is scaled by 1/zoom, so text and strokes are the same size at
 * every zoom and the text texture maps to screen pixels without blur.
 */
export class NameLabel {
  readonly container: Phaser.GameObjects.Container;
  private readonly pill: Phaser.GameObjects.Graphics;
  private readonly text: Phaser.GameObjects.Text;
  private availability: Availability;
  private isSelf: boolean;
  private cssZoom = 1;
  /** Pill size in CSS pixels. */
  private width = 0;
  private height = 0;

  constructor(scene: Phaser.Scene, name: string, availability: Availability, isSelf: boolean, cssZoom: number, resolution: number) {
    this.availability = availability;
    this.isSelf = isSelf;
    this.pill = scene.add.graphics();
    this.text = scene.add.text(0, 0, name, {
      fontFamily: '"Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif',
      fontSize: `${FONT_CSS_PX}px`,
      fontStyle: isSelf ? 'bold' : 'normal',
      color: '#ffffff',
      resolution,
    });
    // The game runs with pixelArt (nearest filtering); text is not pixel art and reads better filtered.
    this.text.texture.setFilter(Phaser.Textures.FilterMode.LINEAR);
    this.text.setOrigin(0, 0.5);
    this.container = scene.add.container(0, 0, [this.pill, this.text]);
    this.container.setDepth(isSelf ? 20_000 : 10_000);
    this.setZoom(cssZoom);
    this.redraw();
  }

  setName(name: string): void {
    if (this.text.text === name) return;
    this.text.setText(name);
    this.redraw();
  }

  setAvailability(availability: Availability): void {
    if (this.availability === availability) return;
    this.availability = availability;
    this.redraw();
  }

  setZoom(cssZoom: number): void {
    this.cssZoom = cssZoom;
    this.container.setScale(1 / cssZoom);
  }

  /** Pill size in world pixels at the current zoom. */
  worldSize(): { w: number; h: number } {
    return { w: this.width / this.cssZoom, h: this.height / this.cssZoom };
  }

  /** Labels of avatars further down the screen are in front, like the avatars themselves. */
  setDepthFor(worldY: number): void {
    if (!this.isSelf) this.container.setDepth(10_000 + worldY / 100_000);
  }

  setResolution(resolution: number): void {
    this.text.setResolution(resolution);
    this.text.texture.setFilter(Phaser.Textures.FilterMode.LINEAR);
  }

  /** Puts the pill's bottom centre at (x, y) in world pixels. */
  placeAt(x: number, y: number): void {
    this.container.setPosition(x, y);
  }

  setVisible(visible: boolean): void {
    this.container.setVisible(visible);
  }

  destroy(): void {
    this.container.destroy(true);
  }

  private redraw(): void {
    const colour = Phaser.Display.Color.HexStringToColor(availabilityColour[this.availability]).color;
    const w = PAD_X + DOT + GAP + this.text.width + PAD_X;
    const h = Math.max(this.text.height, DOT) + PAD_Y * 2;
    const left = -w / 2;
    const top = -h;
    this.width = w;
    this.height = h;
    this.pill.clear();
    this.pill.fillStyle(this.isSelf ? 0x1b1a2e : 0x201f1e, 0.82);
    this.pill.fillRoundedRect(left, top, w, h, h / 2);
    this.pill.lineStyle(1.5, colour, 1);
    this.pill.strokeRoundedRect(left, top, w, h, h / 2);
    this.pill.fillStyle(colour, 1);
    this.pill.fillCircle(left + PAD_X + DOT / 2, top + h / 2, DOT / 2);
    this.text.setPosition(left + PAD_X + DOT + GAP, top + h / 2);
  }
}
