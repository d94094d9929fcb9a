/**
 * The steps every simulated person sent, shared between load-generator threads: for each avatar a ring of its last
 * steps (tile, step number, time), so an observer in any thread can tell which step a position it received belongs
 * to and how long ago it was sent. Int32 cells written with Atomics; times are tenths of a millisecond since the run's
 * epoch.
 */
export const RING = 16;
const FIELDS = 4; // x, y, k, t

export class StepLog {
  private readonly entries: Int32Array;
  private readonly counts: Int32Array;
  readonly capacity: number;

  constructor(entries: SharedArrayBuffer, counts: SharedArrayBuffer) {
    this.entries = new Int32Array(entries);
    this.counts = new Int32Array(counts);
    this.capacity = this.counts.length;
  }

  static allocate(maxAvatarId: number): { entries: SharedArrayBuffer; counts: SharedArrayBuffer } {
    return {
      entries: new SharedArrayBuffer((maxAvatarId + 1) * RING * FIELDS * 4),
      counts: new SharedArrayBuffer((maxAvatarId + 1) * 4),
    };
  }

  /** Records a step; returns its number (1 for an avatar's first step), or 0 for an id beyond the log. */
  record(avatarId: number, x: number, y: number, tMs: number): number {
    if (avatarId <= 0 || avatarId >= this.capacity) return 0;
    const k = Atomics.add(this.counts, avatarId, 1) + 1;
    const o = (avatarId * RING + (k % RING)) * FIELDS;
    // Time last and cleared first, so a reader never pairs a new tile with an old time.
    Atomics.store(this.entries, o + 3, -1);
    Atomics.store(this.entries, o, x);
    Atomics.store(this.entries, o + 1, y);
    Atomics.store(this.entries, o + 2, k);
    Atomics.store(this.entries, o + 3, Math.round(tMs * 10));
    return k;
  }

  /** Steps the avatar has sent so far. */
  count(avatarId: number): number {
    return avatarId > 0 && avatarId < this.capacity ? Atomics.load(this.counts, avatarId) : 0;
  }

  /** The latest logged step of this avatar onto tile (x, y): its number and when it was sent (ms since the epoch). */
  match(avatarId: number, x: number, y: number): { k: number; t: number } | undefined {
    if (avatarId <= 0 || avatarId >= this.capacity) return undefined;
    let best: { k: number; t: number } | undefined;
    for (let j = 0; j < RING; j++) {
      const o = (avatarId * RING + j) * FIELDS;
      const t = Atomics.load(this.entries, o + 3);
      if (t < 0 || Atomics.load(this.entries, o) !== x || Atomics.load(this.entries, o + 1) !== y) continue;
      const k = Atomics.load(this.entries, o + 2);
      if (k > 0 && (!best || k > best.k)) best = { k, t: t / 10 };
    }
    return best;
  }

  /** How many steps the avatar had sent by time tMs (ms since the epoch), as far as the ring remembers. */
  countAt(avatarId: number, tMs: number): number {
    const total = this.count(avatarId);
    let oldest = total + 1;
    for (let k = total; k > 0 && k > total - RING; k--) {
      const o = (avatarId * RING + (k % RING)) * FIELDS;
      if (Atomics.load(this.entries, o + 2) !== k) continue;
      if (Atomics.load(this.entries, o + 3) / 10 <= tMs) return k;
      oldest = k;
    }
    return oldest - 1;
  }
}

/** WebSocket frame header bytes for a payload of n bytes (client frames carry a 4-byte mask). */
export function wsFrameOverhead(n: number, masked: boolean): number {
  return (n < 126 ? 2 : n < 65536 ? 4 : 10) + (masked ? 4 : 0);
}
