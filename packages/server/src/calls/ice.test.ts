import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { iceServersFor } from './ice.js';

describe('ICE servers', () => {
  it('is empty by default: on a LAN host candidates suffice', () => {
    expect(iceServersFor(loadConfig({}), 'u1')).toEqual([]);
  });

  it('passes STUN/TURN URLs through and mints time-limited TURN credentials (TURN REST scheme)', () => {
    const config = loadConfig({ ICE_SERVERS: 'stun:stun.example.org:3478', TURN_URLS: 'turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349', TURN_SECRET: 's3cret', TURN_TTL_SECONDS: '600' });
    const now = 1_800_000_000_000;
    const servers = iceServersFor(config, 'user-7', now);
    expect(servers[0]).toEqual({ urls: 'stun:stun.example.org:3478' });
    const turn = servers[1]!;
    expect(turn.urls).toEqual(['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349']);
    expect(turn.username).toBe(`${now / 1000 + 600}:user-7`);
    expect(turn.credential).toBe(createHmac('sha1', 's3cret').update(turn.username!).digest('base64'));
  });

  it('refuses bad ICE and TURN settings naming the variable', () => {
    expect(() => loadConfig({ ICE_SERVERS: 'http://not-ice' })).toThrow(/ICE_SERVERS/);
    expect(() => loadConfig({ ICE_SERVERS: '[{"nope":1}]' })).toThrow(/ICE_SERVERS/);
    expect(() => loadConfig({ TURN_URLS: 'turn:t.example.org' })).toThrow(/TURN_SECRET/);
    expect(() => loadConfig({ TURN_URLS: 'stun:t.example.org', TURN_SECRET: 'x' })).toThrow(/TURN_URLS/);
  });
});
