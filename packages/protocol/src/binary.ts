/**
 * The hot path: compact binary frames for steps and world updates. Little-endian DataView codecs, one leading kind
 * byte, so a single byte tells a receiver which codec applies.
 *
 *  client → server  MOVE        kind u8=1 | seq u16 | x u16 | y u16 | dir u8 | flags u8            (9 bytes)
 *  server → client  WORLD       kind u8=2 | tick u32 | count u16 | count × (avatarId u32 | x u16 | y u16 | dirFlags u8)
 *  server → client  CORRECTION  kind u8=3 | seq u16 | x u16 | y u16 | dir u8 | reason u8           (9 bytes)
 *  server → client  AOI         kind u8=4 | tick u32 | enters u16 | leaves u16 | updates u16
 *                               | enters × (avatarId u32 | x u16 | y u16 | dirFlags u8 | look u8 | availability u8 | activity u8)
 *                               | leaves × avatarId u32
 *                               | updates × (avatarId u32 | availability u8 | activity u8)    (presence changes in view)
 *
 * AOI carries no names: a client asks for the names of avatars it has not met with `who`, once per connection.
 */
import type { Direction } from './types.js';
import { Activities, Availabilities, type Activity, type Availability } from './presence.js';

export const BinaryKind = { MOVE: 1, WORLD: 2, CORRECTION: 3, AOI: 4 } as const;

export const Directions: readonly Direction[] = ['up', 'down', 'left', 'right'];
const dirCode: Record<Direction, number> = { up: 0, down: 1, left: 2, right: 3 };

/** Set on a step when more steps follow (the avatar is walking); clear when it stopped on this tile. */
export const MOVE_FLAG_MOVING = 1;

export interface MoveFrame {
  seq: number;
  x: number;
  y: number;
  dir: Direction;
  moving: boolean;
}

export interface AvatarMove {
  avatarId: number;
  x: number;
  y: number;
  dir: Direction;
  moving: boolean;
}

export const CorrectionReasons = ['not-adjacent', 'blocked', 'out-of-bounds', 'too-fast', 'teleport', 'spawn', 'room-full'] as const;
export type CorrectionReason = (typeof CorrectionReasons)[number];

export interface CorrectionFrame {
  seq: number;
  x: number;
  y: number;
  dir: Direction;
  reason: CorrectionReason;
}

export class BinaryDecodeError extends Error {
  readonly code = 'MALFORMED_MESSAGE';
}

export const MOVE_BYTES = 9;
export const WORLD_HEADER_BYTES = 7;
export const WORLD_ENTRY_BYTES = 9;
export const CORRECTION_BYTES = 9;

export function encodeMove(m: MoveFrame): Uint8Array {
  const buf = new Uint8Array(MOVE_BYTES);
  const v = new DataView(buf.buffer);
  v.setUint8(0, BinaryKind.MOVE);
  v.setUint16(1, m.seq & 0xffff, true);
  v.setUint16(3, m.x, true);
  v.setUint16(5, m.y, true);
  v.setUint8(7, dirCode[m.dir]);
  v.setUint8(8, m.moving ? MOVE_FLAG_MOVING : 0);
  return buf;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeDir(code: number): Direction {
  const d = Directions[code];
  if (d === undefined) throw new BinaryDecodeError(`bad direction code ${code}`);
  return d;
}

export function decodeMove(bytes: Uint8Array): MoveFrame {
  if (bytes.byteLength !== MOVE_BYTES) throw new BinaryDecodeError(`move frame must be ${MOVE_BYTES} bytes, got ${bytes.byteLength}`);
  const v = view(bytes);
  if (v.getUint8(0) !== BinaryKind.MOVE) throw new BinaryDecodeError('not a move frame');
  const flags = v.getUint8(8);
  if (flags & ~MOVE_FLAG_MOVING) throw new BinaryDecodeError(`unknown move flags ${flags}`);
  return { seq: v.getUint16(1, true), x: v.getUint16(3, true), y: v.getUint16(5, true), dir: decodeDir(v.getUint8(7)), moving: flags === MOVE_FLAG_MOVING };
}

export function encodeWorld(tick: number, moves: readonly AvatarMove[]): Uint8Array {
  const count = Math.min(moves.length, 0xffff);
  const buf = new Uint8Array(WORLD_HEADER_BYTES + count * WORLD_ENTRY_BYTES);
  const v = new DataView(buf.buffer);
  v.setUint8(0, BinaryKind.WORLD);
  v.setUint32(1, tick >>> 0, true);
  v.setUint16(5, count, true);
  let o = WORLD_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const m = moves[i]!;
    v.setUint32(o, m.avatarId >>> 0, true);
    v.setUint16(o + 4, m.x, true);
    v.setUint16(o + 6, m.y, true);
    v.setUint8(o + 8, dirCode[m.dir] | (m.moving ? 4 : 0));
    o += WORLD_ENTRY_BYTES;
  }
  return buf;
}

export function decodeWorld(bytes: Uint8Array): { tick: number; moves: AvatarMove[] } {
  if (bytes.byteLength < WORLD_HEADER_BYTES) throw new BinaryDecodeError('world frame too short');
  const v = view(bytes);
  if (v.getUint8(0) !== BinaryKind.WORLD) throw new BinaryDecodeError('not a world frame');
  const tick = v.getUint32(1, true);
  const count = v.getUint16(5, true);
  if (bytes.byteLength !== WORLD_HEADER_BYTES + count * WORLD_ENTRY_BYTES) throw new BinaryDecodeError('world frame length does not match its count');
  const moves: AvatarMove[] = new Array(count);
  let o = WORLD_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const df = v.getUint8(o + 8);
    moves[i] = { avatarId: v.getUint32(o, true), x: v.getUint16(o + 4, true), y: v.getUint16(o + 6, true), dir: decodeDir(df & 3), moving: (df & 4) !== 0 };
    o += WORLD_ENTRY_BYTES;
  }
  return { tick, moves };
}

export function encodeCorrection(c: CorrectionFrame): Uint8Array {
  const buf = new Uint8Array(CORRECTION_BYTES);
  const v = new DataView(buf.buffer);
  v.setUint8(0, BinaryKind.CORRECTION);
  v.setUint16(1, c.seq & 0xffff, true);
  v.setUint16(3, c.x, true);
  v.setUint16(5, c.y, true);
  v.setUint8(7, dirCode[c.dir]);
  v.setUint8(8, CorrectionReasons.indexOf(c.reason));
  return buf;
}

export function decodeCorrection(bytes: Uint8Array): CorrectionFrame {
  if (bytes.byteLength !== CORRECTION_BYTES) throw new BinaryDecodeError('correction frame has the wrong length');
  const v = view(bytes);
  if (v.getUint8(0) !== BinaryKind.CORRECTION) throw new BinaryDecodeError('not a correction frame');
  const reason = CorrectionReasons[v.getUint8(8)];
  if (reason === undefined) throw new BinaryDecodeError('unknown correction reason');
  return { seq: v.getUint16(1, true), x: v.getUint16(3, true), y: v.getUint16(5, true), dir: decodeDir(v.getUint8(7)), reason };
}

/** An avatar coming into view, as the AOI frame carries it: everything but who it is (see `who`). */
export interface AvatarEnter {
  avatarId: number;
  x: number;
  y: number;
  dir: Direction;
  moving: boolean;
  look: number;
  availability: Availability;
  activity: Activity;
}

/** A presence change of an avatar in view (or of the client's own). */
export interface PresenceUpdate {
  avatarId: number;
  availability: Availability;
  activity: Activity;
}

export const AOI_HEADER_BYTES = 11;
export const AOI_ENTER_BYTES = 13;
export const AOI_LEAVE_BYTES = 4;
export const AOI_UPDATE_BYTES = 6;

export function encodeAoi(tick: number, enters: readonly AvatarEnter[], leaves: readonly number[], updates: readonly PresenceUpdate[] = []): Uint8Array {
  const ne = Math.min(enters.length, 0xffff);
  const nl = Math.min(leaves.length, 0xffff);
  const nu = Math.min(updates.length, 0xffff);
  const buf = new Uint8Array(AOI_HEADER_BYTES + ne * AOI_ENTER_BYTES + nl * AOI_LEAVE_BYTES + nu * AOI_UPDATE_BYTES);
  const v = new DataView(buf.buffer);
  v.setUint8(0, BinaryKind.AOI);
  v.setUint32(1, tick >>> 0, true);
  v.setUint16(5, ne, true);
  v.setUint16(7, nl, true);
  v.setUint16(9, nu, true);
  let o = AOI_HEADER_BYTES;
  for (let i = 0; i < ne; i++) {
    const e = enters[i]!;
    v.setUint32(o, e.avatarId >>> 0, true);
    v.setUint16(o + 4, e.x, true);
    v.setUint16(o + 6, e.y, true);
    v.setUint8(o + 8, dirCode[e.dir] | (e.moving ? 4 : 0));
    v.setUint8(o + 9, e.look & 0xff);
    v.setUint8(o + 10, Availabilities.indexOf(e.availability));
    v.setUint8(o + 11, Activities.indexOf(e.activity));
    o += AOI_ENTER_BYTES;
  }
  for (let i = 0; i < nl; i++) {
    v.setUint32(o, leaves[i]! >>> 0, true);
    o += AOI_LEAVE_BYTES;
  }
  for (let i = 0; i < nu; i++) {
    const u = updates[i]!;
    v.setUint32(o, u.avatarId >>> 0, true);
    v.setUint8(o + 4, Availabilities.indexOf(u.availability));
    v.setUint8(o + 5, Activities.indexOf(u.activity));
    o += AOI_UPDATE_BYTES;
  }
  return buf;
}

export function decodeAoi(bytes: Uint8Array): { tick: number; enters: AvatarEnter[]; leaves: number[]; updates: PresenceUpdate[] } {
  if (bytes.byteLength < AOI_HEADER_BYTES) throw new BinaryDecodeError('aoi frame too short');
  const v = view(bytes);
  if (v.getUint8(0) !== BinaryKind.AOI) throw new BinaryDecodeError('not an aoi frame');
  const tick = v.getUint32(1, true);
  const ne = v.getUint16(5, true);
  const nl = v.getUint16(7, true);
  const nu = v.getUint16(9, true);
  if (bytes.byteLength !== AOI_HEADER_BYTES + ne * AOI_ENTER_BYTES + nl * AOI_LEAVE_BYTES + nu * AOI_UPDATE_BYTES) throw new BinaryDecodeError('aoi frame length does not match its counts');
  const enters: AvatarEnter[] = new Array(ne);
  let o = AOI_HEADER_BYTES;
  for (let i = 0; i < ne; i++) {
    const df = v.getUint8(o + 8);
    const availability = Availabilities[v.getUint8(o + 10)];
    const activity = Activities[v.getUint8(o + 11)];
    if (availability === undefined || activity === undefined) throw new BinaryDecodeError('unknown presence code');
    enters[i] = { avatarId: v.getUint32(o, true), x: v.getUint16(o + 4, true), y: v.getUint16(o + 6, true), dir: decodeDir(df & 3), moving: (df & 4) !== 0, look: v.getUint8(o + 9), availability, activity };
    o += AOI_ENTER_BYTES;
  }
  const leaves: number[] = new Array(nl);
  for (let i = 0; i < nl; i++) {
    leaves[i] = v.getUint32(o, true);
    o += AOI_LEAVE_BYTES;
  }
  const updates: PresenceUpdate[] = new Array(nu);
  for (let i = 0; i < nu; i++) {
    const availability = Availabilities[v.getUint8(o + 4)];
    const activity = Activities[v.getUint8(o + 5)];
    if (availability === undefined || activity === undefined) throw new BinaryDecodeError('unknown presence code');
    updates[i] = { avatarId: v.getUint32(o, true), availability, activity };
    o += AOI_UPDATE_BYTES;
  }
  return { tick, enters, leaves, updates };
}

/** The kind byte of a binary frame, or undefined for an empty one. */
export function binaryKind(bytes: Uint8Array): number | undefined {
  return bytes.byteLength > 0 ? bytes[0] : undefined;
}
