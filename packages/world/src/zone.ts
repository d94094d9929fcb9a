export type ZoneKind = 'meeting-room' | 'focus' | 'desk' | 'spawn';

export const ZONE_KINDS: readonly ZoneKind[] = ['meeting-room', 'focus', 'desk', 'spawn'];

/** A named rectangle of the map, in tile units: it covers x..x+width-1 and y..y+height-1. */
export interface Zone {
  id: string;
  name: string;
  kind: ZoneKind;
  x: number;
  y: number;
  width: number;
  height: number;
  capacity?: number;
  /** A desk's assigned person (user id); their name shows on the desk. */
  member?: string;
}

export function isZoneKind(value: unknown): value is ZoneKind {
  return typeof value === 'string' && (ZONE_KINDS as readonly string[]).includes(value);
}

export function zoneContains(zone: Zone, x: number, y: number): boolean {
  return x >= zone.x && y >= zone.y && x < zone.x + zone.width && y < zone.y + zone.height;
}
