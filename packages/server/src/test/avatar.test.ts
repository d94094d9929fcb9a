import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, OfficeConnection } from '@metaoffice/client';
import { AVATAR_PARTS, defaultAvatarFor, type AvatarSpec } from '@metaoffice/maps/avatar';
import { apiFor, connect, startHarness, uniqueEmail, until, type Harness } from './harness.js';

/** The avatar editor's API on the real server over real SQLite: choices are checked, stored, exported and go live. */
describe('avatars', () => {
  let h: Harness;
  let ada: ApiClient;
  let bob: ApiClient;
  let adaId: string;
  let officeId: string;
  const conns: OfficeConnection[] = [];

  beforeAll(async () => {
    h = await startHarness();
    ada = apiFor(h);
    adaId = (await ada.signUp({ email: uniqueEmail('ada'), password: 'ada-avatar-pass', name: 'Ada' })).user.id;
    bob = apiFor(h);
    await bob.signUp({ email: uniqueEmail('bob'), password: 'bob-avatar-pass', name: 'Bob', inviteToken: (await ada.createInvite()).token });
    officeId = (await ada.listOffices())[0]!.id;
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await h?.stop();
  });

  const put = (api: ApiClient, body: unknown) =>
    fetch(`${h.server.url}/api/me/avatar`, { method: 'PUT', headers: { 'content-type': 'application/json', cookie: api.cookieHeader()! }, body: JSON.stringify(body) });

  it('starts everyone with an avatar picked from their id, and saves and returns a chosen one', async () => {
    expect(await ada.avatar()).toEqual(defaultAvatarFor(adaId));
    const chosen: AvatarSpec = { skin: 7, hair: 2, hairColour: 7, outfit: 5, outfitColour: 6, eyes: 1, glasses: 3, hat: 4 };
    expect(await ada.saveAvatar(chosen)).toEqual(chosen);
    expect(await ada.avatar()).toEqual(chosen);
    // It is the person's data: in their export, and in the organisation's.
    expect((await ada.exportMe()).avatar).toEqual(chosen);
  });

  it('refuses a choice that does not exist, a missing layer or an unknown one, and changes nothing', async () => {
    const before = await ada.avatar();
    const valid: AvatarSpec = { skin: 0, hair: 0, hairColour: 0, outfit: 0, outfitColour: 0, eyes: 0, glasses: 0, hat: 0 };
    for (const [body, status] of [
      [{ ...valid, hair: AVATAR_PARTS.hair.options.length }, 400],
      [{ ...valid, skin: -1 }, 400],
      [{ ...valid, eyes: 1.5 }, 400],
      [{ ...valid, crown: 1 }, 400],
      [{ skin: 1 }, 400],
      ['cat', 400],
    ] as const) {
      const res = await put(ada, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const problem = (await res.json()) as { code: string };
      expect(['VALIDATION_FAILED', 'BAD_REQUEST']).toContain(problem.code);
    }
    const tooBig = await put(ada, { ...valid, hair: AVATAR_PARTS.hair.options.length });
    expect(await tooBig.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ message: expect.stringMatching(/"hair" must be a whole number from 0 to 8/) }] });
    expect(await ada.avatar()).toEqual(before);
    expect((await fetch(`${h.server.url}/api/me/avatar`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) })).status).toBe(401);
  });

  it('reaches everyone in the office at once: the welcome, `who` answers and a live `avatar` message carry it', async () => {
    const adaConn = connect(h, ada, officeId);
    const bobConn = connect(h, bob, officeId);
    conns.push(adaConn, bobConn);
    await until(() => adaConn.self !== undefined && bobConn.self !== undefined, 10_000, 'both in the office');
    expect(adaConn.self!.avatar).toEqual(await ada.avatar());
    // Bob learns Ada's avatar with her name (spawn tiles are close together, so she is in his view).
    await until(() => [...bobConn.avatars.values()].some((a) => a.userId === adaId), 10_000, 'Bob sees Ada');
    expect([...bobConn.avatars.values()].find((a) => a.userId === adaId)!.avatar).toEqual(await ada.avatar());

    const next: AvatarSpec = { skin: 3, hair: 6, hairColour: 4, outfit: 2, outfitColour: 1, eyes: 2, glasses: 1, hat: 1 };
    const updates: unknown[] = [];
    bobConn.on('update', (a) => a.userId === adaId && updates.push(a.avatar));
    await ada.saveAvatar(next);
    await until(() => updates.length > 0, 5_000, 'Bob told of the new avatar');
    expect(updates.at(-1)).toEqual(next);
    await until(() => JSON.stringify(adaConn.self?.avatar) === JSON.stringify(next), 5_000, 'Ada\'s own connection updated');
  });
});
