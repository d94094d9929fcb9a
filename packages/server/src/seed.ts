import { loadTemplateMap, templates } from '@metaoffice/maps';
import type { Store } from './storage/index.js';

/** On the very first start: a demo organisation with a demo office, so a new install has somewhere to walk. */
export async function seedDemo(store: Store): Promise<{ created: boolean }> {
  if (await store.organisations.first()) return { created: false };
  await store.transaction(async (tx) => {
    const org = await tx.organisations.create('Demo organisation');
    const tpl = templates[0]!;
    await tx.offices.create({ orgId: org.id, name: 'Demo office', description: 'Open-plan desks, two meeting rooms, a quiet corner and a lounge.', template: tpl.id, mapJson: JSON.stringify(loadTemplateMap(tpl.id)) });
  });
  return { created: true };
}
