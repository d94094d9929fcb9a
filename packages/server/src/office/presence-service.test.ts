import type { PersonView } from '@metaoffice/protocol';
import { describe, expect, it } from 'vitest';
import { PresenceService } from './presence-service.js';

function service() {
  const published: PersonView[] = [];
  const applied: string[] = [];
  let t = 0;
  const p = new PresenceService({ idleAwayMs: 1000, now: () => t }, { publish: (_org, person) => published.push(person), apply: (_o, u, a, act) => applied.push(`${u}:${a}/${act}`) });
  return { p, published, applied, advance: (ms: number) => (t += ms) };
}

const ada = { id: 'u-ada', orgId: 'org', name: 'Ada' };

describe('PresenceService', () => {
  it('in the office: do-not-disturb, then call, then a chosen status, then idleness', () => {
    const { p, advance } = service();
    p.connected(ada, 'office');
    expect(p.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office' });
    p.inCall(ada.id, true);
    expect(p.state(ada.id)).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    p.choose(ada.id, 'DoNotDisturb');
    expect(p.state(ada.id).availability).toBe('DoNotDisturb');
    p.choose(ada.id, 'Available');
    p.inCall(ada.id, false);
    advance(2000);
    p.sweep();
    expect(p.state(ada.id).availability).toBe('Away');
  });

  it('Teams mode: Microsoft 365 colours people outside the office, and wins inside only when busier', () => {
    const { p, published, applied } = service();
    expect(p.state(ada.id)).toEqual({ availability: 'Offline', activity: 'Offline', officeId: null });
    p.fromMicrosoft(ada, 'Available', 'Available');
    expect(p.state(ada.id)).toEqual({ availability: 'Available', activity: 'Available', officeId: null });
    expect(published.at(-1)).toMatchObject({ userId: ada.id, availability: 'Available', officeId: null });

    p.connected(ada, 'office');
    p.fromMicrosoft(ada, 'Away', 'Away');
    // Walking around the office is activity: Teams' idle Away does not override it.
    expect(p.state(ada.id).availability).toBe('Available');
    const n = published.length;
    p.fromMicrosoft(ada, 'Away', 'Away');
    expect(published.length).toBe(n);

    p.fromMicrosoft(ada, 'Busy', 'InAMeeting');
    expect(p.state(ada.id)).toEqual({ availability: 'Busy', activity: 'InAMeeting', officeId: 'office' });
    expect(applied.at(-1)).toBe('u-ada:Busy/InAMeeting');
    p.choose(ada.id, 'DoNotDisturb');
    expect(p.state(ada.id).availability).toBe('DoNotDisturb');

    p.forget(ada.id);
    expect(p.state(ada.id).availability).toBe('Offline');
    expect(p.microsoftKnown(ada.id)).toBe(false);
  });
});
