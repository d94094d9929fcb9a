import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfficeView, PersonView } from '@metaoffice/protocol';
import { apiFor, connect, sees, sleep, startHarness, uniqueEmail, until, type Harness } from './harness.js';

/**
 * What changes when an organisation is large (here: the People limit lowered to 2 so three people make one): the
 * welcome leaves the People list out, only a client that asks (people.watch, while its panel is open) gets it and its
 * changes; avatars come into view as binary AOI entries and their names arrive once through `who`.
 */
describe('a large organisation', () => {
  let h: Harness;
  let office: OfficeView;
  const apis: ReturnType<typeof apiFor>[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ PEOPLE_LIVE_LIMIT: '2' });
    for (const name of ['Ada', 'Bob', 'Cy']) {
      const api = apiFor(h);
      const invite = apis.length ? await apis[0]!.createInvite() : undefined;
      const me = await api.signUp({ email: uniqueEmail(name), password: 'correct horse', name, ...(invite ? { inviteToken: invite.token } : {}) });
      apis.push(api);
      ids.push(me.user.id);
    }
    office = (await apis[0]!.listOffices())[0]!;
  });
  afterAll(() => h?.stop());

  it('sends the People list only to a client that asks for it, and names avatars in view once each', async () => {
    const [a, b, c] = apis.map((api, i) => connect(h, api, office.id, { startAt: { x: 20 + i, y: 22 } }));
    const peopleFrames: PersonView[][] = [];
    b!.on('people', (changed) => peopleFrames.push(changed));
    try {
      await until(() => [a, b, c].every((x) => x!.state === 'open'), 5000, 'all three to join');
      expect(a!.peopleComplete).toBe(false);
      expect(a!.people.size).toBe(0);

      // Names come with the avatars, though the AOI frame carries ids only.
      await until(() => sees(a!, ids[1]!) && sees(a!, ids[2]!), 5000, 'Ada to see Bob and Cy');
      expect([...a!.avatars.values()].map((x) => x.name).sort()).toEqual(['Bob', 'Cy']);

      a!.watchPeople(true);
      await until(() => a!.people.size === 3, 5000, 'the whole People list after people.watch');
      expect(a!.people.get(ids[2]!)).toMatchObject({ name: 'Cy', availability: 'Available' });

      c!.setStatus('Busy');
      await until(() => a!.people.get(ids[2]!)?.availability === 'Busy', 5000, 'the watching client to hear of the change');
      // Bob never asked: no People frames for him, whatever happens in the organisation.
      await sleep(600);
      expect(peopleFrames).toEqual([]);

      a!.watchPeople(false);
      c!.setStatus('Away');
      await sleep(600);
      expect(a!.people.get(ids[2]!)?.availability).toBe('Busy');
    } finally {
      for (const x of [a, b, c]) x!.close();
    }
  });
});
