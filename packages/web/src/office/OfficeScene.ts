import * as Phaser from 'phaser';
import {
  GridEngine,
  Direction as GeDirection,
  MoveToResult,
  NoPathFoundStrategy,
  type Position,
  type WalkingAnimationMapping,
} from 'grid-engine';
import type { Availability, AvatarInfo, AvatarMove, CorrectionReason, Direction } from '@metaoffice/protocol';
import { avatarKey } from '@metaoffice/maps/avatar';
import { AVATAR_FRAME, AVATAR_SHEET_COLUMNS, AVATAR_SHEET_ROWS, AVATAR_WALKING_MAPPING, drawAvatarSheet } from '@metaoffice/maps/avatar-art';
import { avatarFrame } from '@metaoffice/maps/sheets';
import { NameLabel } from './NameLabel.js';
import { RoomTag, desksOf, roomsOf } from './RoomTag.js';
import { mark } from '../timeline.js';

export const TILE = 32;
const SELF = 'self';
const AVATAR_SHEET = 'avatars';
const MAP_KEY = 'office-map';
/** Layers drawn above avatars (a lamp, a plant top, a door frame). */
const OVERLAY_LAYERS = new Set(['decoration']);
/** Depths: tile layers use 0..n (grid-engine numbers them), avatars sit just above; markers lie on the floor (0). */
const DEPTH_HOVER = 0.5;
const DEPTH_OVERLAY = 5_000;
/** Roughly how many tiles should fit across the short side of the window before rounding the zoom. */
const TILES_ACROSS_SHORT_SIDE = 12;

/** What the scene needs drawn-in before it starts: everything is fetched outside so downloads run in parallel. */
export interface SceneAssets {
  /** Parsed Tiled JSON of the office. */
  map: unknown;
  /** Its version (the server's ETag), to tell whether a newer one was saved meanwhile. */
  mapVersion?: number | undefined;
  /** Tileset images by tileset name as the map names them. */
  tilesets: ReadonlyMap<string, HTMLImageElement>;
  /** The avatar sheet: 32x32 frames, 12 columns, grid-engine's standard layout. */
  avatars: HTMLImageElement;
}

/** What the scene tells the world around it. The scene never touches the DOM or the network itself. */
export interface SceneHost {
  /** The own avatar stepped onto a tile (moving) or stopped/turned on one (not moving). */
  ownStep(x: number, y: number, dir: Direction, moving: boolean): void;
  /** The own avatar has been drawn on screen for the first time. */
  selfVisible(): void;
  /** The visible area changed size, in tiles. */
  viewportChanged(cols: number, rows: number): void;
  /** Something the person should read (a path that does not exist, …). */
  notice(message: string): void;
}

export interface DrawnAvatar {
  avatarId: number;
  userId: string;
  name: string;
  x: number;
  y: number;
  /** The texture it is drawn with: `avatar:<choices>` for a layered avatar. */
  texture: string;
}

export type WalkOutcome = 'walking' | 'arrived' | 'no-free-tile' | 'no-path';

interface Remote {
  charId: string;
  info: AvatarInfo;
  label: NameLabel;
  /** Steps received but not yet animated, oldest first. */
  queue: AvatarMove[];
  /** Where it should face once it has caught up. */
  facing: Direction;
}

interface Self {
  info: AvatarInfo;
  label: NameLabel;
  sprite: Phaser.GameObjects.Sprite;
}

/**
 * The office map with its avatars: rendering and input only. It is told what happens (someone entered, moved, the
 * server corrected me) by the layer that owns the connection, and reports the own avatar's steps through
 * {@link SceneHost}.
 */
export class OfficeScene extends Phaser.Scene {
  declare gridEngine: GridEngine;

  private map!: Phaser.Tilemaps.Tilemap;
  private self: Self | undefined;
  private readonly remotes = new Map<number, Remote>();
  private keys!: {
    up: Phaser.Input.Keyboard.Key[];
    down: Phaser.Input.Keyboard.Key[];
    left: Phaser.Input.Keyboard.Key[];
    right: Phaser.Input.Keyboard.Key[];
  };
  private joystick: Direction | null = null;
  private keyboardEnabled = true;
  /** No walking while the office is disconnected for good: the steps would go nowhere. */
  private frozen = false;
  /** Set while the scene moves the own avatar for the server, so that move is not echoed back as a step. */
  private applyingServerPosition = false;
  /** An active click-to-walk / Go to, so a key press can cancel it. */
  private autoWalking = false;
  /** Where the current auto-walk goes, so it can carry on after a speed correction. */
  private walkGoal: { target: Position; lookAt?: Position | undefined; until: number } | undefined;
  /** A corrected auto-walk waits a moment before it carries on, so its next step is not refused again. */
  private walkResume: Phaser.Time.TimerEvent | undefined;
  private walkTarget: Phaser.GameObjects.Graphics | undefined;
  private hover: Phaser.GameObjects.Graphics | undefined;
  private pointerDownAt: { x: number; y: number } | null = null;
  private cssZoom = 2;
  private dpr = 1;
  private stepsPerSecond = 4;
  private readyResolve!: () => void;
  private created = false;
  /** Resolves once the map is drawn and commands can be applied. */
  readonly ready: Promise<void> = new Promise((r) => (this.readyResolve = r));
  private subscriptions: { unsubscribe(): void }[] = [];
  private roomTags: RoomTag[] = [];
  /** The Tiled JSON drawn now: the assets' map, then each version saved while the office is open. */
  private mapJson: unknown;
  /** Names of the organisation's people, for desks assigned to them. */
  private personNames: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly assets: SceneAssets,
    private readonly host: SceneHost,
  ) {
    super({ key: 'office' });
  }

  // ---- Phaser lifecycle ------------------------------------------------------------------------------------------

  create(): void {
    mark('sceneCreate');
    this.addTextures();
    this.cache.tilemap.add(MAP_KEY, { format: Phaser.Tilemaps.Formats.TILED_JSON, data: this.assets.map });
    this.map = this.make.tilemap({ key: MAP_KEY });
    const tilesets = this.map.tilesets
      .map((ts) => (this.textures.exists(tilesetKey(ts.name)) ? this.map.addTilesetImage(ts.name, tilesetKey(ts.name)) : null))
      .filter((ts): ts is Phaser.Tilemaps.Tileset => ts !== null);
    const overlays: Phaser.Tilemaps.TilemapLayer[] = [];
    for (const layer of this.map.layers) {
      const created = this.map.createLayer(layer.name, tilesets, 0, 0);
      if (created && OVERLAY_LAYERS.has(layer.name.split('/').pop() ?? '')) overlays.push(created);
    }

    this.gridEngine.create(this.map, {
      // Avatars never block each other (every character gets no collision group): the office is a place to meet,
      // and the server does not block either.
      characters: [],
      cacheTileCollisions: true,
    });
    // grid-engine renumbers layer depths on create; lift the overlay layers above every avatar afterwards.
    for (const layer of overlays) layer.setDepth(DEPTH_OVERLAY);

    this.cameras.main.setBackgroundColor('#1f1d2b');
    this.cameras.main.setBounds(0, 0, this.map.widthInPixels, this.map.heightInPixels);
    this.cameras.main.setRoundPixels(true);

    this.mapJson = this.assets.map;
    this.drawRoomTags();
    this.setUpKeyboard();
    this.setUpPointer();
    this.subscribeToOwnMovement();
    this.applyZoom();
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, () => this.subscriptions.forEach((s) => s.unsubscribe()));
    this.created = true;
    this.readyResolve();
  }

  override update(): void {
    if (this.self) this.driveOwnAvatar();
    for (const remote of this.remotes.values()) this.driveRemote(remote);
    this.placeLabels();
  }

  // ---- commands from the connection layer ------------------------------------------------------------------------

  /**
   * Draws a newly saved version of the map in place, with everyone where they are: changed tiles are replaced,
   * their collision re-read, and the room and desk tags redrawn. Returns false, drawing nothing, when the new map
   * has another size (the caller builds the office again).
   */
  applyMap(mapJson: unknown): boolean {
    if (!this.created) return false;
    const next = mapJson as { width?: number; height?: number; layers?: { type?: string; name?: string; data?: number[] }[] };
    if (next.width !== this.map.width || next.height !== this.map.height) return false;
    const tilesets = this.map.tilesets;
    for (const layer of next.layers ?? []) {
      if (layer.type !== 'tilelayer' || !layer.name || !Array.isArray(layer.data)) continue;
      const drawn = this.map.getLayer(layer.name)?.tilemapLayer;
      if (!drawn) continue;
      layer.data.forEach((raw, i) => {
        const x = i % this.map.width;
        const y = Math.floor(i / this.map.width);
        const gid = Phaser.Tilemaps.Parsers.Tiled.ParseGID(raw);
        const now = drawn.getTileAt(x, y);
        if (gid.gid === 0) {
          if (now) drawn.removeTileAt(x, y);
          return;
        }
        if (now && now.index === gid.gid && now.flipX === gid.flipped && now.rotation === gid.rotation) return;
        const tile = drawn.putTileAt(gid.gid, x, y, false);
        tile.flipX = gid.flipped;
        tile.rotation = gid.rotation;
        // Collision is the tileset's `ge_collide` on the tile, which the Tiled parser copied onto loaded tiles only.
        const ts = tilesets.find((t) => t.containsTileIndex(gid.gid));
        tile.properties = { ...((ts?.getTileProperties(gid.gid) as object | null) ?? {}) };
      });
    }
    this.gridEngine.rebuildTileCollisionCache(0, 0, this.map.width, this.map.height);
    this.mapJson = mapJson;
    this.drawRoomTags();
    return true;
  }

  /** The tags drawn on the map: room and focus-area names, and the names on assigned desks. */
  tags(): { kind: string; text: string }[] {
    return this.roomTags.map((t) => ({ kind: t.kind, text: t.text }));
  }

  /** Whether a wall or furniture blocks the tile, as the own avatar's movement sees it (undefined before the map is drawn). */
  tileBlocked(x: number, y: number): boolean | undefined {
    return this.created ? this.gridEngine.isTileBlocked({ x, y }) : undefined;
  }

  /** Where a tile's centre is drawn now, in CSS pixels from the canvas's top-left corner (tests tap it). */
  tileOnScreen(x: number, y: number): { x: number; y: number } | undefined {
    if (!this.created) return undefined;
    const cam = this.cameras.main;
    return {
      x: (((x + 0.5) * TILE - cam.worldView.x) * cam.zoom) / this.dpr,
      y: (((y + 0.5) * TILE - cam.worldView.y) * cam.zoom) / this.dpr,
    };
  }

  /** Who is who in the organisation, so a desk shows the name of the person it is assigned to. */
  setPersonNames(names: ReadonlyMap<string, string>): void {
    this.personNames = names;
    if (this.created) this.drawRoomTags();
  }

  /** Places (or re-places after a reconnect) the own avatar where the server says it is. */
  placeSelf(info: AvatarInfo, stepsPerSecond: number): void {
    this.stepsPerSecond = stepsPerSecond;
    if (this.self) {
      this.self.info = info;
      this.self.label.setName(info.name);
      this.self.label.setAvailability(info.availability);
      this.applyLook(SELF, info);
      this.gridEngine.setSpeed(SELF, stepsPerSecond);
      this.correctSelf(info.x, info.y, info.dir);
      return;
    }
    const look = this.lookOf(info);
    const sprite = this.add.sprite(0, 0, look.key);
    this.gridEngine.addCharacter({
      id: SELF,
      sprite,
      walkingAnimationMapping: look.mapping,
      startPosition: { x: info.x, y: info.y },
      facingDirection: info.dir as GeDirection,
      speed: stepsPerSecond,
      // Walls and furniture stop me; other people never do.
      collides: { collidesWithTiles: true, collisionGroups: [] },
    });
    const label = this.makeLabel(info.name, info.availability, true);
    this.self = { info, label, sprite };
    this.cameras.main.startFollow(sprite, true, 1, 1, -TILE / 2, -TILE / 2);
    this.placeLabels();
    this.game.events.once(Phaser.Core.Events.POST_RENDER, () => this.host.selfVisible());
  }

  /** The server put my avatar somewhere else (illegal step, teleport, spawn): go there at once, no animation. */
  correctSelf(x: number, y: number, dir: Direction, reason?: CorrectionReason): void {
    if (!this.self) return;
    // Refused for speed (steps bunched up by a busy machine or network), or a step that was already under way when
    // that refusal came: the walk goes on from where I was put.
    // The refusal of a walk's last steps can arrive after it ended on the client: it still carries on then.
    const walking = this.autoWalking || !!this.walkResume || (!!this.walkGoal && this.time.now < this.walkGoal.until);
    const resume = (reason === 'too-fast' || reason === 'not-adjacent') && walking ? this.walkGoal : undefined;
    this.applyingServerPosition = true;
    try {
      this.cancelAutoWalk();
      this.gridEngine.stopMovement(SELF);
      this.gridEngine.setPosition(SELF, { x, y });
      this.gridEngine.turnTowards(SELF, dir as GeDirection);
    } finally {
      this.applyingServerPosition = false;
    }
    if (resume) {
      // One step's worth of time lets the server's speed allowance refill before the walk carries on.
      this.walkResume = this.time.delayedCall(1000 / this.stepsPerSecond + 20, () => {
        this.walkResume = undefined;
        this.walkTo(resume.target, resume.lookAt);
      });
    }
  }

  setSelfPresence(name: string, availability: Availability): void {
    if (!this.self) return;
    this.self.label.setName(name);
    this.self.label.setAvailability(availability);
  }

  addAvatar(info: AvatarInfo): void {
    const existing = this.remotes.get(info.avatarId);
    if (existing) {
      this.updateAvatar(info);
      this.jumpRemote(existing, info.x, info.y, info.dir);
      return;
    }
    const charId = `a${info.avatarId}`;
    const look = this.lookOf(info);
    this.gridEngine.addCharacter({
      id: charId,
      sprite: this.add.sprite(0, 0, look.key),
      walkingAnimationMapping: look.mapping,
      startPosition: { x: info.x, y: info.y },
      facingDirection: info.dir as GeDirection,
      speed: this.stepsPerSecond,
      // The server already decided where they may go; here they only need to be drawn there.
      collides: false,
    });
    const label = this.makeLabel(info.name, info.availability, false);
    this.remotes.set(info.avatarId, { charId, info, label, queue: [], facing: info.dir });
  }

  removeAvatar(avatarId: number): void {
    const remote = this.remotes.get(avatarId);
    if (!remote) return;
    const sprite = this.gridEngine.getSprite(remote.charId);
    this.gridEngine.removeCharacter(remote.charId);
    sprite?.destroy();
    remote.label.destroy();
    this.remotes.delete(avatarId);
  }

  /** Removes every remote avatar that is not in `keep` (after a reconnect the server sends a fresh view). */
  retainAvatars(keep: ReadonlySet<number>): void {
    for (const id of [...this.remotes.keys()]) if (!keep.has(id)) this.removeAvatar(id);
  }

  updateAvatar(info: AvatarInfo): void {
    const remote = this.remotes.get(info.avatarId);
    if (!remote) return;
    remote.info = { ...remote.info, ...info };
    remote.label.setName(info.name);
    remote.label.setAvailability(info.availability);
    this.applyLook(remote.charId, remote.info);
  }

  /** My own avatar changed (the avatar editor, in this tab or another). */
  setSelfAvatar(info: AvatarInfo): void {
    if (!this.self) return;
    this.self.info = { ...this.self.info, ...info };
    this.applyLook(SELF, this.self.info);
  }

  /**
   * The texture and walk frames of an avatar: its layered avatar, drawn once per distinct set of choices into a
   * sprite sheet of its own; or, until that is known, the ready-made look from the shared sheet.
   */
  private lookOf(info: AvatarInfo): { key: string; mapping: number | WalkingAnimationMapping } {
    if (!info.avatar) return { key: AVATAR_SHEET, mapping: info.look };
    const key = `avatar:${avatarKey(info.avatar)}`;
    if (!this.textures.exists(key)) {
      const sheet = drawAvatarSheet(info.avatar);
      const canvas = document.createElement('canvas');
      canvas.width = sheet.width;
      canvas.height = sheet.height;
      canvas.getContext('2d')!.putImageData(new ImageData(sheet.data, sheet.width, sheet.height), 0, 0);
      const texture = this.textures.addCanvas(key, canvas)!;
      for (let i = 0; i < AVATAR_SHEET_COLUMNS * AVATAR_SHEET_ROWS; i++) {
        texture.add(i, 0, (i % AVATAR_SHEET_COLUMNS) * AVATAR_FRAME, Math.floor(i / AVATAR_SHEET_COLUMNS) * AVATAR_FRAME, AVATAR_FRAME, AVATAR_FRAME);
      }
      texture.setFilter(Phaser.Textures.FilterMode.NEAREST);
    }
    return { key, mapping: AVATAR_WALKING_MAPPING };
  }

  /** Redraws a character with its current avatar, facing the way it faces. */
  private applyLook(charId: string, info: AvatarInfo): void {
    const look = this.lookOf(info);
    const sprite = this.gridEngine.getSprite(charId);
    if (!sprite) return;
    if (sprite.texture.key !== look.key) {
      sprite.setTexture(look.key);
      this.gridEngine.setWalkingAnimationMapping(charId, look.mapping);
      // grid-engine sets the standing frame on its next move; show the right one now.
      const row = { down: 0, left: 1, right: 2, up: 3 }[this.gridEngine.getFacingDirection(charId) as 'down' | 'left' | 'right' | 'up'] ?? 0;
      sprite.setFrame(typeof look.mapping === 'number' ? avatarFrame(look.mapping, row, 1) : row * AVATAR_SHEET_COLUMNS + 1);
    } else if (this.gridEngine.getWalkingAnimationMapping(charId) !== look.mapping) {
      this.gridEngine.setWalkingAnimationMapping(charId, look.mapping);
    }
  }

  /** Another avatar stepped, stopped or turned. Steps are queued and animated one tile at a time at walking speed. */
  moveAvatar(move: AvatarMove): void {
    const remote = this.remotes.get(move.avatarId);
    if (!remote) return;
    remote.queue.push(move);
    remote.facing = move.dir;
    // Far behind (a burst after a stall): skip to the latest position rather than replay a long walk.
    if (remote.queue.length > 6) this.jumpRemote(remote, move.x, move.y, move.dir);
  }

  setKeyboardEnabled(enabled: boolean): void {
    this.keyboardEnabled = enabled;
    const keyboard = this.input.keyboard;
    if (!keyboard) return;
    keyboard.enabled = enabled;
    // Captured keys are preventDefault-ed on the whole window; an input field needs its W, A, S, D and arrows back.
    if (enabled) keyboard.enableGlobalCapture();
    else {
      keyboard.disableGlobalCapture();
      keyboard.resetKeys();
    }
  }

  setFrozen(frozen: boolean): void {
    this.frozen = frozen;
    if (frozen && this.self) {
      this.cancelAutoWalk();
      this.gridEngine.stopMovement(SELF);
    }
  }

  /** The touch joystick's direction, or null when released. */
  setJoystick(dir: Direction | null): void {
    this.joystick = dir;
  }

  /**
   * Go to: walk to the free tile next to (x, y) that is quickest to reach. Other avatars do not block walking, but
   * standing on someone is rude, so occupied tiles are avoided.
   */
  walkNextTo(x: number, y: number): WalkOutcome {
    if (!this.self) return 'no-path';
    const here = this.gridEngine.getPosition(SELF);
    const candidates = (
      [
        { x, y: y + 1 },
        { x: x - 1, y },
        { x: x + 1, y },
        { x, y: y - 1 },
      ] satisfies Position[]
    ).filter((p) => this.isInsideMap(p) && !this.gridEngine.isTileBlocked(p) && !this.isOccupiedByOther(p));
    if (candidates.length === 0) return 'no-free-tile';
    if (candidates.some((p) => p.x === here.x && p.y === here.y)) {
      this.gridEngine.turnTowards(SELF, directionTowards(here, { x, y }) as GeDirection);
      return 'arrived';
    }
    let best: { pos: Position; steps: number } | undefined;
    for (const pos of candidates) {
      const { path } = this.gridEngine.findShortestPath(
        { position: here, charLayer: undefined },
        { position: pos, charLayer: undefined },
        { collisionGroups: [], maxPathLength: 2_000 },
      );
      if (path.length > 0 && (!best || path.length < best.steps)) best = { pos, steps: path.length };
    }
    if (!best) return 'no-path';
    this.walkTo(best.pos, { x, y });
    return 'walking';
  }

  selfTile(): Position | undefined {
    return this.self ? this.gridEngine.getPosition(SELF) : undefined;
  }

  /** Walks my avatar to (x, y) with pathfinding, exactly like a click on that tile. */
  walkToTile(x: number, y: number): void {
    if (!this.self || this.frozen || !this.isInsideMap({ x, y })) return;
    this.walkTo({ x, y });
  }

  /** The sprite of an avatar on screen (mine included), for effects drawn over it such as reaction bursts. */
  avatarSprite(avatarId: number): Phaser.GameObjects.Sprite | undefined {
    if (this.self?.info.avatarId === avatarId) return this.self.sprite;
    const remote = this.remotes.get(avatarId);
    return remote ? this.gridEngine.getSprite(remote.charId) : undefined;
  }

  drawnAvatars(): DrawnAvatar[] {
    return [...this.remotes.values()].map((r) => {
      const p = this.gridEngine.getPosition(r.charId);
      return { avatarId: r.info.avatarId, userId: r.info.userId, name: r.info.name, x: p.x, y: p.y, texture: this.gridEngine.getSprite(r.charId)?.texture.key ?? '' };
    });
  }

  /** The canvas changed size (window resize, panel toggled): resize, re-zoom and report the viewport in tiles. */
  resize(cssWidth: number, cssHeight: number, dpr: number): void {
    // Before create() the scene's systems do not exist yet; ready() calls this again with the size of that moment.
    if (!this.created) return;
    this.dpr = dpr;
    this.scale.resize(Math.round(cssWidth * dpr), Math.round(cssHeight * dpr));
    this.scale.setZoom(1 / dpr);
    this.applyZoom();
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  private addTextures(): void {
    for (const [name, img] of this.assets.tilesets) {
      if (!this.textures.exists(tilesetKey(name))) this.textures.addImage(tilesetKey(name), img);
    }
    if (!this.textures.exists(AVATAR_SHEET)) {
      this.textures.addSpriteSheet(AVATAR_SHEET, this.assets.avatars, { frameWidth: TILE, frameHeight: TILE });
    }
  }

  private makeLabel(name: string, availability: Availability, isSelf: boolean): NameLabel {
    return new NameLabel(this, name, availability, isSelf, this.cssZoom, this.textResolution());
  }

  /** Meeting rooms and focus areas named in their corner; assigned desks named with their person. */
  private drawRoomTags(): void {
    for (const tag of this.roomTags) tag.destroy();
    this.roomTags = [];
    for (const room of roomsOf(this.mapJson)) {
      const text = room.kind === 'focus' ? `${room.name} · focus` : room.capacity ? `${room.name} · up to ${room.capacity}` : room.name;
      this.roomTags.push(new RoomTag(this, room.x + 4, room.y + 4, text, room.kind, this.cssZoom, this.textResolution()));
    }
    for (const desk of desksOf(this.mapJson)) {
      const name = this.personNames.get(desk.member);
      if (name) this.roomTags.push(new RoomTag(this, desk.x + 2, desk.y + 2, name, 'desk', this.cssZoom, this.textResolution()));
    }
  }

  private textResolution(): number {
    return Math.max(2, Math.ceil(this.dpr));
  }

  /** Integer zoom for crisp pixels, unless the map is too small to fill the window at that zoom. */
  private applyZoom(): void {
    const cam = this.cameras.main;
    const cssW = this.scale.width / this.dpr;
    const cssH = this.scale.height / this.dpr;
    let zoom = Math.max(1, Math.round(Math.min(cssW, cssH) / (TILE * TILES_ACROSS_SHORT_SIDE)));
    const fill = Math.max(cssW / this.map.widthInPixels, cssH / this.map.heightInPixels);
    if (fill > zoom) zoom = fill;
    this.cssZoom = zoom;
    cam.setZoom(zoom * this.dpr);
    for (const label of this.allLabels()) {
      label.setZoom(zoom);
      label.setResolution(this.textResolution());
    }
    for (const tag of this.roomTags) tag.setZoom(zoom);
    this.host.viewportChanged(
      Math.min(200, Math.ceil(cssW / (TILE * zoom)) + 1),
      Math.min(200, Math.ceil(cssH / (TILE * zoom)) + 1),
    );
  }

  private *allLabels(): Iterable<NameLabel> {
    if (this.self) yield this.self.label;
    for (const r of this.remotes.values()) yield r.label;
  }

  private setUpKeyboard(): void {
    const kb = this.input.keyboard;
    if (!kb) return;
    const K = Phaser.Input.Keyboard.KeyCodes;
    const add = (...codes: number[]) => codes.map((c) => kb.addKey(c));
    this.keys = {
      up: add(K.UP, K.W),
      down: add(K.DOWN, K.S),
      left: add(K.LEFT, K.A),
      right: add(K.RIGHT, K.D),
    };
    this.setKeyboardEnabled(this.keyboardEnabled);
  }

  private heldDirection(): Direction | null {
    if (this.joystick) return this.joystick;
    if (!this.keyboardEnabled || !this.keys) return null;
    const down = (keys: Phaser.Input.Keyboard.Key[]) => keys.some((k) => k.isDown);
    if (down(this.keys.left)) return 'left';
    if (down(this.keys.right)) return 'right';
    if (down(this.keys.up)) return 'up';
    if (down(this.keys.down)) return 'down';
    return null;
  }

  private driveOwnAvatar(): void {
    if (this.frozen) return;
    const dir = this.heldDirection();
    if (!dir) return;
    if (this.autoWalking || this.walkResume) this.cancelAutoWalk();
    this.walkGoal = undefined;
    this.gridEngine.move(SELF, dir as GeDirection);
  }

  private setUpPointer(): void {
    this.hover = this.add.graphics().setDepth(DEPTH_HOVER).setVisible(false);
    this.input.on(Phaser.Input.Events.POINTER_DOWN, (p: Phaser.Input.Pointer) => {
      this.pointerDownAt = { x: p.x, y: p.y };
    });
    this.input.on(Phaser.Input.Events.POINTER_UP, (p: Phaser.Input.Pointer) => {
      const down = this.pointerDownAt;
      this.pointerDownAt = null;
      // Only a click that started on the map counts; a drag or a click on the HUD above does not walk.
      if (!down || Math.hypot(p.x - down.x, p.y - down.y) > 10 * this.dpr || !this.self || this.frozen) return;
      const tile = this.map.worldToTileXY(p.worldX, p.worldY);
      if (!tile || !this.isInsideMap(tile)) return;
      const here = this.gridEngine.getPosition(SELF);
      if (tile.x === here.x && tile.y === here.y) return;
      this.walkTo({ x: tile.x, y: tile.y });
    });
    this.input.on(Phaser.Input.Events.POINTER_MOVE, (p: Phaser.Input.Pointer) => {
      if (!this.hover || p.wasTouch) return;
      const tile = this.map.worldToTileXY(p.worldX, p.worldY);
      const show = !!tile && this.isInsideMap(tile) && !this.gridEngine.isTileBlocked(tile);
      this.hover.setVisible(show);
      if (show && tile) {
        this.hover.clear();
        this.hover.lineStyle(1, 0xffffff, 0.55);
        this.hover.strokeRect(tile.x * TILE + 0.5, tile.y * TILE + 0.5, TILE - 1, TILE - 1);
        this.hover.fillStyle(0xffffff, 0.08);
        this.hover.fillRect(tile.x * TILE, tile.y * TILE, TILE, TILE);
      }
    });
    this.input.on(Phaser.Input.Events.GAME_OUT, () => this.hover?.setVisible(false));
  }

  /** Pathfinding walk (click-to-walk, Go to). A blocked target walks as close as it can get. */
  private walkTo(target: Position, lookAt?: Position): void {
    this.cancelAutoWalk();
    this.autoWalking = true;
    const goal = (this.walkGoal = { target, lookAt, until: Infinity });
    this.showWalkTarget(target);
    const sub = this.gridEngine
      .moveTo(SELF, target, { noPathFoundStrategy: NoPathFoundStrategy.CLOSEST_REACHABLE, maxPathLength: 2_000 })
      .subscribe({
        next: ({ result }) => {
          this.autoWalking = false;
          this.hideWalkTarget();
          goal.until = result === MoveToResult.SUCCESS ? this.time.now + 2_000 : 0;
          if (result === MoveToResult.SUCCESS && lookAt) {
            const here = this.gridEngine.getPosition(SELF);
            this.gridEngine.turnTowards(SELF, directionTowards(here, lookAt) as GeDirection);
          } else if (result === MoveToResult.NO_PATH_FOUND || result === MoveToResult.NO_PATH_FOUND_MAX_RETRIES_EXCEEDED) {
            this.host.notice('There is no way to get there from here.');
          }
        },
      });
    this.subscriptions.push(sub);
  }

  private cancelAutoWalk(): void {
    this.walkResume?.remove();
    this.walkResume = undefined;
    if (!this.autoWalking) return;
    this.autoWalking = false;
    this.hideWalkTarget();
    // stopMovement ends the pathfinding but lets the current step finish, so the avatar never stops between tiles.
    this.gridEngine.stopMovement(SELF);
  }

  private showWalkTarget(target: Position): void {
    if (!this.walkTarget) this.walkTarget = this.add.graphics().setDepth(DEPTH_HOVER);
    const g = this.walkTarget;
    g.clear();
    const cx = target.x * TILE + TILE / 2;
    const cy = target.y * TILE + TILE / 2;
    g.lineStyle(2, 0x8b8cf8, 0.95);
    g.strokeCircle(cx, cy, 9);
    g.fillStyle(0x8b8cf8, 0.35);
    g.fillCircle(cx, cy, 9);
    g.setVisible(true).setAlpha(1).setScale(1);
  }

  private hideWalkTarget(): void {
    this.walkTarget?.setVisible(false);
  }

  /** Turns grid-engine's view of my movement into steps for the server. */
  private subscribeToOwnMovement(): void {
    const ge = this.gridEngine;
    const mine = <T extends { charId: string }>(fn: (e: T) => void) => (e: T) => {
      if (e.charId === SELF && !this.applyingServerPosition) fn(e);
    };
    this.subscriptions.push(
      // Sent as the step starts, so others see it at the same moment rather than a step late.
      ge.positionChangeStarted().subscribe(
        mine(({ enterTile }) => {
          const dir = ge.getFacingDirection(SELF) as Direction;
          this.host.ownStep(enterTile.x, enterTile.y, dir, true);
        }),
      ),
      ge.movementStopped().subscribe(
        mine(({ direction }) => {
          const p = ge.getPosition(SELF);
          this.host.ownStep(p.x, p.y, direction as Direction, false);
        }),
      ),
      ge.directionChanged().subscribe(
        mine(({ direction }) => {
          if (ge.isMoving(SELF)) return;
          const p = ge.getPosition(SELF);
          this.host.ownStep(p.x, p.y, direction as Direction, false);
        }),
      ),
    );
  }

  private driveRemote(remote: Remote): void {
    const ge = this.gridEngine;
    const moving = ge.isMoving(remote.charId);
    // Where the avatar will be once the step under way finishes.
    const at = moving ? this.nextTileOf(remote.charId) : ge.getPosition(remote.charId);
    while (remote.queue.length > 0 && samePos(remote.queue[0]!, at)) remote.queue.shift();
    const next = remote.queue[0];
    if (!next) {
      if (!moving && (ge.getFacingDirection(remote.charId) as string) !== remote.facing) {
        ge.turnTowards(remote.charId, remote.facing as GeDirection);
      }
      return;
    }
    const dx = next.x - at.x;
    const dy = next.y - at.y;
    if (Math.abs(dx) + Math.abs(dy) !== 1) {
      // A teleport, a respawn or a lost frame: no walk to animate, just be there.
      this.jumpRemote(remote, next.x, next.y, next.dir);
      return;
    }
    // Catch up a little when steps pile up, so a remote avatar never drifts further and further behind.
    ge.setSpeed(remote.charId, this.stepsPerSecond * (remote.queue.length > 1 ? 1.5 : 1));
    ge.move(remote.charId, (dx === 1 ? 'right' : dx === -1 ? 'left' : dy === 1 ? 'down' : 'up') as GeDirection);
  }

  private jumpRemote(remote: Remote, x: number, y: number, dir: Direction): void {
    remote.queue = [];
    remote.facing = dir;
    this.gridEngine.setPosition(remote.charId, { x, y });
    this.gridEngine.turnTowards(remote.charId, dir as GeDirection);
  }

  private nextTileOf(charId: string): Position {
    const p = this.gridEngine.getPosition(charId);
    switch (this.gridEngine.getFacingDirection(charId)) {
      case GeDirection.LEFT:
        return { x: p.x - 1, y: p.y };
      case GeDirection.RIGHT:
        return { x: p.x + 1, y: p.y };
      case GeDirection.UP:
        return { x: p.x, y: p.y - 1 };
      case GeDirection.DOWN:
        return { x: p.x, y: p.y + 1 };
      default:
        return p;
    }
  }

  /**
   * Puts every name above its avatar. Where names would cover each other (people standing side by side), the
   * one further back moves up until it is readable; my own name never moves.
   */
  private placeLabels(): void {
    const view = this.cameras.main.worldView;
    const placed: { left: number; top: number; right: number; bottom: number }[] = [];
    const put = (label: NameLabel, sprite: Phaser.GameObjects.Sprite) => {
      const x = Math.round(sprite.x + sprite.displayWidth / 2);
      let bottom = Math.round(sprite.y - 1);
      label.setDepthFor(sprite.y);
      const onScreen = x > view.x - TILE * 4 && x < view.right + TILE * 4 && bottom > view.y - TILE && bottom < view.bottom + TILE * 2;
      if (onScreen) {
        const { w, h } = label.worldSize();
        const left = x - w / 2;
        const right = x + w / 2;
        for (let tries = 0; tries < 4; tries++) {
          const hit = placed.find((r) => left < r.right && right > r.left && bottom - h < r.bottom && bottom > r.top);
          if (!hit) break;
          bottom = Math.round(hit.top - 1 / this.cssZoom);
        }
        placed.push({ left, right, top: bottom - h, bottom });
      }
      label.placeAt(x, bottom);
    };
    if (this.self) put(this.self.label, this.self.sprite);
    const others: { label: NameLabel; sprite: Phaser.GameObjects.Sprite }[] = [];
    for (const r of this.remotes.values()) {
      const sprite = this.gridEngine.getSprite(r.charId);
      if (sprite) others.push({ label: r.label, sprite });
    }
    others.sort((a, b) => b.sprite.y - a.sprite.y);
    for (const o of others) put(o.label, o.sprite);
  }

  private isInsideMap(p: Position): boolean {
    return p.x >= 0 && p.y >= 0 && p.x < this.map.width && p.y < this.map.height;
  }

  private isOccupiedByOther(p: Position): boolean {
    return this.gridEngine.getCharactersAt(p).some((id) => id !== SELF);
  }
}

function tilesetKey(name: string): string {
  return `tileset:${name}`;
}

function samePos(a: { x: number; y: number }, b: { x: number; y: number }): boolean {
  return a.x === b.x && a.y === b.y;
}

function directionTowards(from: Position, to: Position): Direction {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (Math.abs(dx) >= Math.abs(dy)) return dx < 0 ? 'left' : 'right';
  return dy < 0 ? 'up' : 'down';
}
