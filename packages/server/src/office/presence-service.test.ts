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

describe('PresenceService in a cluster', () => {
  function clustered() {
    const published: PersonView[] = [];
    const shared: PersonView[] = [];
    const p = new PresenceService(
      { idleAwayMs: 1000, now: () => 0 },
      { publish: (_org, person) => published.push(person), apply: () => undefined, shared: (_org, person) => shared.push(person) },
    );
    return { p, published, shared };
  }
  const row = (over: Partial<PersonView> = {}): PersonView => ({ userId: ada.id, name: 'Ada', availability: 'Available', activity: 'Available', officeId: 'office-x', look: 3, ...over });
  const offline = row({ availability: 'Offline', activity: 'Offline', officeId: null });

  it('shares every change of a person connected here, ending with Offline, and never a remote row', () => {
    const { p, shared } = clustered();
    p.connected(ada, 'office');
    p.choose(ada.id, 'Busy');
    p.applyRemote('node-b', 'org', row({ userId: 'u-bob', name: 'Bob' }));
    p.disconnected(ada.id, 'office');
    expect(shared.map((s) => `${s.userId}:${s.availability}@${s.officeId}`)).toEqual(['u-ada:Available@office', 'u-ada:Busy@office', 'u-ada:Offline@null']);
  });

  it('shows and publishes a person connected to another node, until that node says they left', () => {
    const { p, published, shared } = clustered();
    p.applyRemote('node-b', 'org', row());
    expect(p.state(ada.id)).toEqual({ availability: 'Available', activity: 'Available', officeId: 'office-x' });
    expect(p.view(ada, 3)).toEqual(row());
    expect(published.at(-1)).toEqual(row());
    p.applyRemote('node-b', 'org', row({ availability: 'Busy', activity: 'InACall' }));
    expect(published.at(-1)).toMatchObject({ availability: 'Busy', activity: 'InACall', officeId: 'office-x' });
    p.applyRemote('node-b', 'org', offline);
    expect(p.state(ada.id)).toEqual({ availability: 'Offline', activity: 'Offline', officeId: null });
    expect(published.at(-1)).toEqual(offline);
    expect([...p.remoteRows()]).toEqual([]);
    // Remote people are not this node's: nothing is shared, and they do not count as connected here.
    expect(shared).toEqual([]);
    p.applyRemote('node-b', 'org', row());
    expect([...p.connectedPeople()]).toEqual([]);
    expect(p.onlineIn('office-x')).toBe(0);
  });

  it('someone connected here is shown from local state; remote rows neither override nor get published', () => {
    const { p, published } = clustered();
    p.connected(ada, 'office');
    const n = published.length;
    p.applyRemote('node-b', 'org', row({ availability: 'Busy', activity: 'Busy' }));
    expect(published.length).toBe(n);
    expect(p.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office' });
    // They left this node for node B's office: everyone here now sees B's row.
    p.disconnected(ada.id, 'office');
    expect(p.state(ada.id)).toEqual({ availability: 'Busy', activity: 'Busy', officeId: 'office-x' });
    expect(published.at(-1)).toMatchObject({ availability: 'Busy', officeId: 'office-x' });
  });

  it('a late Offline from the node a person left does not hide them on the node they moved to', () => {
    const { p, published } = clustered();
    p.applyRemote('node-a', 'org', row({ officeId: 'office-x' }));
    p.applyRemote('node-b', 'org', row({ officeId: 'office-y' }));
    expect(p.state(ada.id).officeId).toBe('office-y');
    const n = published.length;
    p.applyRemote('node-a', 'org', offline);
    expect(p.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office-y' });
    expect(published.length).toBe(n);
    // Even a late status change from A, and then A's Offline, leave B's row in the end.
    p.applyRemote('node-a', 'org', row({ officeId: 'office-x', availability: 'Away', activity: 'Away' }));
    expect(p.state(ada.id).officeId).toBe('office-x');
    p.applyRemote('node-a', 'org', offline);
    expect(p.state(ada.id)).toMatchObject({ availability: 'Available', officeId: 'office-y' });
    expect(published.at(-1)).toMatchObject({ availability: 'Available', officeId: 'office-y' });
  });

  it('dropNode takes a dead node\'s people offline, and only theirs', () => {
    const { p, published } = clustered();
    p.applyRemote('node-a', 'org', row());
    p.applyRemote('node-b', 'org', row({ userId: 'u-bob', name: 'Bob', officeId: 'office-y' }));
    p.dropNode('node-a');
    expect(p.state(ada.id).availability).toBe('Offline');
    expect(p.state('u-bob').officeId).toBe('office-y');
    expect(published.at(-1)).toEqual(offline);
    const n = published.length;
    p.dropNode('node-a');
    expect(published.length).toBe(n);
  });

  it('Microsoft 365 presence still wins over a remote row when busier; forget clears remote rows', () => {
    const { p, published } = clustered();
    p.fromMicrosoft(ada, 'Busy', 'InAMeeting');
    p.applyRemote('node-b', 'org', row());
    expect(p.state(ada.id)).toEqual({ availability: 'Busy', activity: 'InAMeeting', officeId: 'office-x' });
    expect(published.at(-1)).toMatchObject({ availability: 'Busy', activity: 'InAMeeting', officeId: 'office-x' });
    p.fromMicrosoft(ada, 'Available', 'Available');
    expect(published.at(-1)).toMatchObject({ availability: 'Available', officeId: 'office-x' });
    p.forget(ada.id);
    expect(p.state(ada.id).availability).toBe('Offline');
    expect([...p.remoteRows()]).toEqual([]);
  });
});
