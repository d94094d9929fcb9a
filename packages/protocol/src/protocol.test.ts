import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  encodeMove, decodeMove, encodeWorld, decodeWorld, encodeCorrection, decodeCorrection, encodeAoi, decodeAoi, BinaryDecodeError,
  Activities, Availabilities,
  parseClientControl, checkClientVersion, PROTOCOL_VERSION, Directions, CorrectionReasons, MOVE_BYTES,
} from './index.js';

const tile = fc.integer({ min: 0, max: 65535 });
const dir = fc.constantFrom(...Directions);

describe('binary codecs', () => {
  it('round-trips moves', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 65535 }), tile, tile, dir, fc.boolean(), (seq, x, y, d, moving) => {
      const m = { seq, x, y, dir: d, moving };
      const bytes = encodeMove(m);
      expect(bytes.byteLength).toBe(MOVE_BYTES);
      expect(decodeMove(bytes)).toEqual(m);
    }));
  });

  it('round-trips world frames of any size', () => {
    const move = fc.record({ avatarId: fc.integer({ min: 0, max: 2 ** 32 - 1 }), x: tile, y: tile, dir, moving: fc.boolean() });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(move, { maxLength: 200 }), (tick, moves) => {
      expect(decodeWorld(encodeWorld(tick, moves))).toEqual({ tick, moves });
    }));
  });

  it('round-trips AOI frames (avatars into and out of view), and refuses them cut short or padded', () => {
    const enter = fc.record({
      avatarId: fc.integer({ min: 0, max: 2 ** 32 - 1 }), x: tile, y: tile, dir, moving: fc.boolean(), look: fc.integer({ min: 0, max: 255 }),
      availability: fc.constantFrom(...Availabilities), activity: fc.constantFrom(...Activities),
    });
    const update = fc.record({ avatarId: fc.integer({ min: 0, max: 2 ** 32 - 1 }), availability: fc.constantFrom(...Availabilities), activity: fc.constantFrom(...Activities) });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(enter, { maxLength: 100 }), fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 100 }), fc.array(update, { maxLength: 50 }), (tick, enters, leaves, updates) => {
      const bytes = encodeAoi(tick, enters, leaves, updates);
      expect(decodeAoi(bytes)).toEqual({ tick, enters, leaves, updates });
      expect(() => decodeAoi(bytes.subarray(0, bytes.length - 1))).toThrow(BinaryDecodeError);
      expect(() => decodeAoi(new Uint8Array([...bytes, 0]))).toThrow(BinaryDecodeError);
    }));
  });

  it('round-trips corrections', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 65535 }), tile, tile, dir, fc.constantFrom(...CorrectionReasons), (seq, x, y, d, reason) => {
      const c = { seq, x, y, dir: d, reason };
      expect(decodeCorrection(encodeCorrection(c))).toEqual(c);
    }));
  });

  it('rejects truncated, padded and corrupt frames with a typed error', () => {
    const good = encodeMove({ seq: 1, x: 2, y: 3, dir: 'up', moving: false });
    expect(() => decodeMove(good.subarray(0, 5))).toThrow(BinaryDecodeError);
    expect(() => decodeMove(new Uint8Array([...good, 0]))).toThrow(BinaryDecodeError);
    const badDir = good.slice(); badDir[7] = 9;
    expect(() => decodeMove(badDir)).toThrow(BinaryDecodeError);
    const badFlags = good.slice(); badFlags[8] = 0x80;
    expect(() => decodeMove(badFlags)).toThrow(BinaryDecodeError);
    const world = encodeWorld(1, [{ avatarId: 1, x: 1, y: 1, dir: 'down', moving: true }]);
    expect(() => decodeWorld(world.subarray(0, world.length - 1))).toThrow(BinaryDecodeError);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (junk) => {
      try { decodeMove(junk); } catch (e) { expect(e).toBeInstanceOf(BinaryDecodeError); }
      try { decodeWorld(junk); } catch (e) { expect(e).toBeInstanceOf(BinaryDecodeError); }
    }));
  });
});

describe('control messages', () => {
  it('accepts a valid hello', () => {
    const r = parseClientControl(JSON.stringify({ t: 'hello', protocol: 1, officeId: 'o1', viewport: { cols: 30, rows: 20 } }));
    expect(r.ok).toBe(true);
  });

  it('tells malformed, unknown and invalid apart', () => {
    expect(parseClientControl('{nope')).toMatchObject({ ok: false, code: 'MALFORMED_MESSAGE' });
    expect(parseClientControl('[]')).toMatchObject({ ok: false, code: 'MALFORMED_MESSAGE' });
    expect(parseClientControl('{"t":"launch-missiles"}')).toMatchObject({ ok: false, code: 'UNKNOWN_MESSAGE' });
    const bad = parseClientControl(JSON.stringify({ t: 'teleport', userId: 5 }));
    expect(bad).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    if (!bad.ok) expect(bad.message).toContain('userId');
    expect(parseClientControl(JSON.stringify({ t: 'ping', n: 1, extra: true }))).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const r = parseClientControl(s);
      expect(typeof r.ok).toBe('boolean');
    }));
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const r = parseClientControl(JSON.stringify(v));
      expect(r.ok).toBe(false);
    }));
  });
});

describe('version check', () => {
  it('names which side is too old', () => {
    expect(checkClientVersion(PROTOCOL_VERSION)).toEqual({ ok: true });
    expect(checkClientVersion(0)).toEqual({ ok: false, code: 'CLIENT_TOO_OLD' });
    expect(checkClientVersion(PROTOCOL_VERSION + 1)).toEqual({ ok: false, code: 'SERVER_TOO_OLD' });
  });
});
