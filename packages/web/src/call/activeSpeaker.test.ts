import { describe, expect, it } from 'vitest';
import { MUCH_LOUDER, nextActiveSpeaker, noteHeard, PROMOTE_SPEAKER_ABOVE, recentRms, SPEAKER_HOLD_MS, stripOrder, type Heard } from './activeSpeaker.js';

describe('noteHeard', () => {
  it('keeps the peak through one stretch of speech and starts over after a silence longer than the hold', () => {
    const first = noteHeard(undefined, 0.2, 1000);
    expect(first).toEqual({ at: 1000, peak: 0.2 });
    const quieter = noteHeard(first, 0.05, 1000 + SPEAKER_HOLD_MS);
    expect(quieter).toEqual({ at: 1000 + SPEAKER_HOLD_MS, peak: 0.2 });
    expect(noteHeard(quieter, 0.05, 1000 + 3 * SPEAKER_HOLD_MS)).toEqual({ at: 1000 + 3 * SPEAKER_HOLD_MS, peak: 0.05 });
  });
});

describe('nextActiveSpeaker', () => {
  const heard = (entries: Record<string, Heard>) => new Map(Object.entries(entries));

  it('makes the first person heard the active speaker, and keeps them while nobody else is heard', () => {
    expect(nextActiveSpeaker(null, { userId: 'ann', level: 0.1 }, heard({ ann: { at: 0, peak: 0.1 } }), 0)).toBe('ann');
    expect(nextActiveSpeaker(null, undefined, heard({}), 0)).toBeNull();
    // Silence does not take the front away: the last speaker stays until someone else speaks.
    expect(nextActiveSpeaker('ann', undefined, heard({ ann: { at: 0, peak: 0.1 } }), 60_000)).toBe('ann');
  });

  it('keeps the active speaker through a pause in their speech when someone equally loud chimes in', () => {
    // Ann was heard at 0.2 a moment ago and is between two words; Bob says something just as loud.
    const h = heard({ ann: { at: 10_000, peak: 0.2 }, bob: { at: 10_300, peak: 0.2 } });
    expect(nextActiveSpeaker('ann', { userId: 'bob', level: 0.2 }, h, 10_300)).toBe('ann');
    expect(nextActiveSpeaker('ann', { userId: 'bob', level: 0.2 }, h, 10_000 + SPEAKER_HOLD_MS)).toBe('ann');
  });

  it('hands the front to the next speaker once the active one has been quiet for the hold time', () => {
    const h = heard({ ann: { at: 10_000, peak: 0.2 }, bob: { at: 11_600, peak: 0.05 } });
    expect(nextActiveSpeaker('ann', { userId: 'bob', level: 0.05 }, h, 10_000 + SPEAKER_HOLD_MS + 1)).toBe('bob');
  });

  it('lets someone much louder than the active speaker take the front at once', () => {
    const h = heard({ ann: { at: 10_000, peak: 0.1 } });
    expect(nextActiveSpeaker('ann', { userId: 'bob', level: 0.1 * MUCH_LOUDER + 0.01 }, h, 10_100)).toBe('bob');
    expect(nextActiveSpeaker('ann', { userId: 'bob', level: 0.1 * MUCH_LOUDER - 0.01 }, h, 10_100)).toBe('ann');
  });
});

describe('stripOrder', () => {
  const peers = (...ids: string[]) => ids.map((userId) => ({ userId }));
  const ids = (list: { userId: string }[]) => list.map((p) => p.userId);
  const members = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

  it(`keeps the server's member order with ${PROMOTE_SPEAKER_ABOVE} participants or fewer, whoever speaks`, () => {
    const six = members(PROMOTE_SPEAKER_ABOVE);
    // Seen by u0: the others arrived in any order.
    expect(ids(stripOrder(peers('u5', 'u2', 'u1', 'u4', 'u3'), six, 'u5'))).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it(`puts the active speaker first above ${PROMOTE_SPEAKER_ABOVE}, the rest in member order`, () => {
    const seven = members(PROMOTE_SPEAKER_ABOVE + 1);
    expect(ids(stripOrder(peers('u6', 'u1', 'u2', 'u3', 'u4', 'u5'), seven, 'u5'))).toEqual(['u5', 'u1', 'u2', 'u3', 'u4', 'u6']);
    expect(ids(stripOrder(peers('u6', 'u1', 'u2', 'u3', 'u4', 'u5'), seven, null))).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
    // An active speaker with no tile here (it is me, or they just left) changes nothing.
    expect(ids(stripOrder(peers('u2', 'u1'), seven, 'u0'))).toEqual(['u1', 'u2']);
  });

  it('puts peers the member list does not know yet last', () => {
    expect(ids(stripOrder(peers('new', 'u2', 'u1'), members(3), null))).toEqual(['u1', 'u2', 'new']);
  });
});

describe('recentRms', () => {
  const rate = 1000; // one sample per millisecond keeps the arithmetic readable
  it('measures only the newest stretch of audio', () => {
    const samples = [...Array(300).fill(0.5), ...Array(100).fill(0)];
    expect(recentRms(samples, rate, 100)).toBe(0);
    expect(recentRms(samples, rate, 200)).toBeCloseTo(Math.sqrt((100 * 0.25) / 200));
  });

  it('catches a short sound anywhere since the last reading, and reads at most the whole buffer', () => {
    // A 20 ms beep 120 ms before the reading: a 10 ms window at the end would have missed it.
    const samples = Array.from({ length: 400 }, (_, i) => (i >= 260 && i < 280 ? 1 : 0));
    expect(recentRms(samples, rate, 10)).toBe(0);
    expect(recentRms(samples, rate, 150)).toBeCloseTo(Math.sqrt(20 / 150));
    expect(recentRms(samples, rate, 60_000)).toBeCloseTo(Math.sqrt(20 / 400));
    expect(recentRms(samples, rate, 0)).toBe(0);
  });
});
