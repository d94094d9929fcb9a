import { describe, expect, it } from 'vitest';
import { ActivityQueue, type QueuedActivity } from './activity-queue.js';
import type { ActivityNotice, TeamsGraph } from './teams-graph.js';

function setup() {
  let t = 0;
  const sent: { tenantId: string; at: number; notice: ActivityNotice }[] = [];
  const graph = { sendActivity: async (c: { tenantId: string }, n: ActivityNotice) => void sent.push({ tenantId: c.tenantId, at: t, notice: n }) } as unknown as TeamsGraph;
  const q = new ActivityQueue({ graph, now: () => t });
  const item = (tenantId: string, from: string, to: string, type: ActivityNotice['activityType'] = 'wantsToTalk'): QueuedActivity => ({
    tenantId,
    senderUserId: from,
    recipientUserId: to,
    caller: { tenantId, token: async () => 'tok' },
    notice: { recipientUserId: `oid-${to}`, teamId: 'team', activityType: type, previewText: 'hi', webUrl: 'https://x/office/1', templateParameters: [] },
  });
  return { q, sent, item, advance: (ms: number) => (t += ms) };
}

describe('ActivityQueue', () => {
  it('never sends to oneself, and sends a repeated notice once within the window', () => {
    const { q, item, advance } = setup();
    expect(q.enqueue(item('t1', 'a', 'a'))).toBe('self');
    expect(q.enqueue(item('t1', 'a', 'b'))).toBe('queued');
    expect(q.enqueue(item('t1', 'a', 'b'))).toBe('duplicate');
    expect(q.enqueue(item('t1', 'a', 'b', 'officeInvite'))).toBe('queued');
    advance(11 * 60_000);
    expect(q.enqueue(item('t1', 'a', 'b'))).toBe('queued');
  });

  it('paces each tenant at 5 a second and serves tenants round-robin', async () => {
    const { q, sent, item, advance } = setup();
    for (let i = 0; i < 20; i++) q.enqueue(item('busy', 'a', `r${i}`));
    q.enqueue(item('quiet', 'x', 'y'));
    for (let ms = 0; ms <= 2000; ms += 50) {
      await q.pump();
      advance(50);
    }
    const busy = sent.filter((s) => s.tenantId === 'busy');
    expect(sent.find((s) => s.tenantId === 'quiet')?.at).toBe(0);
    // 2 s at 5/s (a send at 0 ms, then every 200 ms) — never more than 5 in any second.
    expect(busy.length).toBe(11);
    for (const s of busy) expect(busy.filter((o) => o.at > s.at - 1000 && o.at <= s.at).length).toBeLessThanOrEqual(5);
    expect(q.pending('busy')).toBe(9);
  });
});
