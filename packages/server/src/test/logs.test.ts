import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrub, scrubUrl } from '../logging.js';
import { sleep, startHarness, type Harness } from './harness.js';
import { LogCapture, busyScenario, leaks } from './scenario.js';

describe('logs', () => {
  const capture = new LogCapture();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOG_LEVEL: 'trace', CONVERSATION_STILL_MS: '0' }, undefined, { logStream: capture });
  });
  afterAll(async () => h?.stop());

  it('scrub() hides secret keys at any depth and tokens in URLs', () => {
    expect(scrub({ a: { password: 'p', nested: [{ token: 't', text: 'hi' }] }, url: '/api/invites/abc?token=x&y=1' })).toEqual({
      a: { password: '[redacted]', nested: [{ token: '[redacted]', text: '[redacted]' }] },
      url: '/api/invites/[redacted]?token=[redacted]&y=[redacted]',
    });
    expect(scrubUrl('/invite/SECRET')).toBe('/invite/[redacted]');
    expect(scrub({ tab: { channelId: '19:abc@thread.tacv2', channel_name: 'General', teamId: 't' } })).toEqual({ tab: { channelId: '[redacted]', channel_name: '[redacted]', teamId: 't' } });
  });

  it('a busy scenario at trace level writes no password, token, invite or chat text', async () => {
    const secrets = await busyScenario(h);
    await sleep(100);
    const text = capture.text;
    // The log did record the traffic, so the absence below means something.
    expect(capture.lines.length).toBeGreaterThan(20);
    expect(text).toContain('/api/invites/[redacted]');
    expect(text).toContain('/api/auth/signin');
    expect(leaks(text, secrets)).toEqual([]);
    for (const line of capture.lines) {
      expect(line).not.toMatch(/set-cookie|mo_session=/i);
    }
  });
});
