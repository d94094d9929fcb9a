/**
 * The pure rules behind "above six people, the active speaker moves to the front of the strip": how a level reading is
 * taken from an analyser's samples, who counts as the active speaker after each reading, and the order of the remote
 * tiles. {@link CallController} feeds them the Web Audio data; nothing here touches the browser.
 */

/** Above this many participants (me included) the active speaker is moved to the front of the strip. */
export const PROMOTE_SPEAKER_ABOVE = 6;
/** The active speaker stays in front this long after they were last heard, unless someone much louder speaks. */
export const SPEAKER_HOLD_MS = 1500;
/** "Much louder": this many times the active speaker's peak in their current stretch of speech. */
export const MUCH_LOUDER = 1.8;

/** What was last heard of someone: when, and the loudest level in that stretch of speech. */
export interface Heard {
  at: number;
  peak: number;
}

/**
 * Someone was heard at `level`. Within the hold time of the last time they were heard it is the same stretch of speech
 * and keeps its peak; after a longer silence a new stretch starts.
 */
export function noteHeard(previous: Heard | undefined, level: number, now: number): Heard {
  if (previous && now - previous.at <= SPEAKER_HOLD_MS) return { at: now, peak: Math.max(previous.peak, level) };
  return { at: now, peak: level };
}

/**
 * The active speaker after a poll. `loudest` is the loudest other person heard in it, if anyone; `heard` what was last
 * heard of each person. The one in front keeps the place through the pauses of their speech (the hold time), and is
 * only overtaken in it by someone much louder than they were: their level between two words is no measure, since it
 * drops to silence.
 */
export function nextActiveSpeaker(
  current: string | null,
  loudest: { userId: string; level: number } | undefined,
  heard: ReadonlyMap<string, Heard>,
  now: number,
): string | null {
  if (!loudest || loudest.userId === current) return current;
  const held = current === null ? undefined : heard.get(current);
  if (!held || now - held.at > SPEAKER_HOLD_MS) return loudest.userId;
  return loudest.level > held.peak * MUCH_LOUDER ? loudest.userId : current;
}

/**
 * The remote tiles in display order: the server's member order, with the active speaker first when the call has more
 * than {@link PROMOTE_SPEAKER_ABOVE} participants. Peers the member list does not know (yet) go last.
 */
export function stripOrder<P extends { userId: string }>(peers: Iterable<P>, memberIds: readonly string[], active: string | null): P[] {
  const rank = new Map(memberIds.map((id, i) => [id, i]));
  const list = [...peers].sort((a, b) => (rank.get(a.userId) ?? memberIds.length) - (rank.get(b.userId) ?? memberIds.length));
  if (memberIds.length > PROMOTE_SPEAKER_ABOVE && active !== null) {
    const i = list.findIndex((p) => p.userId === active);
    if (i > 0) list.unshift(...list.splice(i, 1));
  }
  return list;
}

/** The largest AnalyserNode window: 0.68 s of audio at 48 kHz. Level readings take their newest part. */
export const LEVEL_WINDOW_SAMPLES = 32768;

/**
 * RMS level of the newest `ms` of audio in a time-domain buffer (newest sample last), at most the whole buffer. Reading
 * exactly the time since the previous reading means no sound between two readings is missed, however late a busy page
 * runs its timer; a fixed short window only saw a slice of each interval and missed short sounds (a word, a beep).
 */
export function recentRms(samples: ArrayLike<number>, sampleRate: number, ms: number): number {
  const n = Math.min(samples.length, Math.max(1, Math.round((sampleRate * ms) / 1000)));
  let sum = 0;
  for (let i = samples.length - n; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / n);
}
