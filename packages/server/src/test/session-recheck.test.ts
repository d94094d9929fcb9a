import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes, SESSION_COOKIE, type OfficeView } from '@metaoffice/protocol';
import { hashToken } from '../auth/tokens.js';
import { apiFor, connect, startHarness, uniqueEmail, until, type Harness } from './harness.js';

/**
 * Live connections are re-checked in one batched query: a session that expires or is removed behind the server's
 * back (another node, an operator) closes its socket at the next round; the others stay.
 */
describe('session re-check of live connections', () => {
  let h: Harness;
  let office: OfficeView;
  beforeAll(async () => {
    h = await startHarness({ SESSION_RECHECK_SECONDS: '1' });
  });
  afterAll(() => h?.stop());

  it('closes only the connections whose sessions are gone', async () => {
    const apis = [apiFor(h), apiFor(h), apiFor(h)];
    await apis[0]!.signUp({ email: uniqueEmail('keep'), password: 'correct horse', name: 'Keep' });
    const invite = await apis[0]!.createInvite();
    for (const [i, name] of ['Gone', 'Expired'].entries()) await apis[i + 1]!.signUp({ email: uniqueEmail(name), password: 'correct horse', name, inviteToken: invite.token });
    office = (await apis[0]!.listOffices())[0]!;
    const conns = apis.map((api) => connect(h, api, office.id));
    const closed: (number | undefined)[] = [undefined, undefined, undefined];
    conns.forEach((c, i) => c.on('state', (s, info) => s === 'closed' && (closed[i] = info?.code)));
    try {
      await until(() => conns.every((c) => c.state === 'open'), 5000, 'all three to join');
      const hashOf = (i: number) => hashToken(new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(apis[i]!.cookieHeader()!)![1]!);
      await h.server.store.sessions.delete(hashOf(1));
      const s = (await h.server.store.sessions.byTokenHash(hashOf(2)))!;
      await h.server.store.sessions.delete(s.tokenHash);
      await h.server.store.sessions.create({ ...s, expiresAt: Date.now() - 1 });
      await until(() => closed[1] !== undefined && closed[2] !== undefined, 5000, 'the two connections to close');
      expect(closed.slice(1)).toEqual([CloseCodes.UNAUTHENTICATED, CloseCodes.UNAUTHENTICATED]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(conns[0]!.state).toBe('open');
    } finally {
      for (const c of conns) c.close();
    }
  });
});
