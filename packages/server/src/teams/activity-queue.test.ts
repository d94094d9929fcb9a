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

  it('paces by the answer, so notices delayed on their way never reach Graph more than 5 in a second', async () => {
    let t = 0;
    const arrivals: number[] = [];
    const answers: { at: number; done: () => void }[] = [];
    let n = 0;
    // Every other notice takes 190 ms to reach Graph (waiting for budget, say), the others 5 ms; Graph answers 10 ms later.
    const graph = {
      sendActivity: () => new Promise<void>((done) => {
        const delay = n++ % 2 === 0 ? 190 : 5;
        arrivals.push(t + delay);
        answers.push({ at: t + delay + 10, done });
      }),
    } as unknown as TeamsGraph;
    const q = new ActivityQueue({ graph, now: () => t });
    for (let i = 0; i < 30; i++) q.enqueue({ tenantId: 't', senderUserId: 'a', recipientUserId: `r${i}`, caller: { tenantId: 't', token: async () => 'tok' }, notice: { recipientUserId: `oid-r${i}`, teamId: 'team', activityType: 'wantsToTalk', previewText: 'hi', webUrl: 'https://x/office/1', templateParameters: [] } });
    for (; t <= 5000; t += 5) {
      for (const a of answers.filter((x) => x.at <= t)) {
        answers.splice(answers.indexOf(a), 1);
        a.done();
      }
      for (let i = 0; i < 3; i++) await Promise.resolve();
      await q.pump();
    }
    expect(arrivals.length).toBeGreaterThan(15);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(200);
    for (const a of arrivals) expect(arrivals.filter((b) => b >= a && b < a + 1000).length).toBeLessThanOrEqual(5);
  });

  it('a tenant whose notice hangs holds up no other tenant', async () => {
    let t = 0;
    const sent: string[] = [];
    const graph = {
      sendActivity: (c: { tenantId: string }) => {
        sent.push(c.tenantId);
        return c.tenantId === 'stuck' ? new Promise<void>(() => undefined) : Promise.resolve();
      },
    } as unknown as TeamsGraph;
    const q = new ActivityQueue({ graph, now: () => t });
    const notice = { recipientUserId: 'oid', teamId: 'team', activityType: 'wantsToTalk' as const, previewText: 'hi', webUrl: 'https://x/office/1', templateParameters: [] };
    for (let i = 0; i < 5; i++) {
      q.enqueue({ tenantId: 'stuck', senderUserId: 'a', recipientUserId: `r${i}`, caller: { tenantId: 'stuck', token: async () => 'tok' }, notice });
      q.enqueue({ tenantId: 'fine', senderUserId: 'a', recipientUserId: `r${i}`, caller: { tenantId: 'fine', token: async () => 'tok' }, notice });
    }
    for (; t <= 1000; t += 100) {
      await q.pump();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(sent.filter((s) => s === 'stuck')).toHaveLength(1);
    expect(sent.filter((s) => s === 'fine')).toHaveLength(5);
  });
});
