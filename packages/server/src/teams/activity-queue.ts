import type { ActivityNotice, GraphCaller, TeamsGraph } from './teams-graph.js';

export interface QueuedActivity {
  tenantId: string;
  senderUserId: string;
  recipientUserId: string;
  notice: ActivityNotice;
  caller: GraphCaller;
}

export type ActivityOutcome = 'queued' | 'duplicate' | 'self' | 'queue_full';

export interface ActivityQueueOptions {
  graph: TeamsGraph;
  /** Per tenant, Graph allows 5 activity notifications a second (and 50 across tenants: the governor's global bucket). */
  perTenantPerSecond?: number;
  /** The same sender, recipient, type and office within this window is sent once. */
  dedupeMs?: number;
  maxQueuedPerTenant?: number;
  now?: () => number;
  onSent?: (tenantId: string) => void;
  onFailed?: (tenantId: string, err: unknown) => void;
}

/**
 * Teams activity-feed notices ("invited you to the office", "wants to talk"), queued per tenant so one busy tenant
 * cannot starve the others, paced under Graph's per-tenant limit, de-duplicated, and never sent to oneself.
 */
export class ActivityQueue {
  private readonly queues = new Map<string, QueuedActivity[]>();
  private readonly recent = new Map<string, number>();
  /** When each tenant's last notice was answered; the next leaves at least `gapMs` later. */
  private readonly lastSent = new Map<string, number>();
  /** Tenants with a notice on its way: one at a time each, so notices reach Graph at least `gapMs` apart. */
  private readonly inFlight = new Set<string>();
  private readonly now: () => number;
  private readonly gapMs: number;

  constructor(private readonly o: ActivityQueueOptions) {
    this.now = o.now ?? Date.now;
    this.gapMs = 1000 / (o.perTenantPerSecond ?? 5);
  }

  enqueue(a: QueuedActivity): ActivityOutcome {
    if (a.senderUserId === a.recipientUserId) return 'self';
    const key = `${a.tenantId}|${a.senderUserId}|${a.recipientUserId}|${a.notice.activityType}|${a.notice.webUrl}`;
    const now = this.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.o.dedupeMs ?? 10 * 60_000)) return 'duplicate';
    const q = this.queues.get(a.tenantId) ?? [];
    if (q.length >= (this.o.maxQueuedPerTenant ?? 1000)) return 'queue_full';
    this.recent.set(key, now);
    if (this.recent.size > 100_000) this.recent.delete(this.recent.keys().next().value!);
    q.push(a);
    this.queues.set(a.tenantId, q);
    return 'queued';
  }

  pending(tenantId?: string): number {
    if (tenantId) return this.queues.get(tenantId)?.length ?? 0;
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /**
   * Starts what each tenant's pace allows now, round-robin across tenants, and returns how many it started without
   * waiting for them. Call it periodically (every 100–200 ms). The pace counts from the previous notice's answer, not
   * its start: a notice delayed on its way (waiting for budget, a slow network) would otherwise reach Graph right
   * before the next one, more than 5 in a second. A tenant whose notice is slow holds up no other tenant.
   * Failures are reported and dropped: a notice is a courtesy, never worth a retry storm.
   */
  async pump(): Promise<number> {
    let sent = 0;
    const now = this.now();
    for (const [tenantId, q] of this.queues) {
      if (q.length === 0) {
        this.queues.delete(tenantId);
        continue;
      }
      if (this.inFlight.has(tenantId) || now - (this.lastSent.get(tenantId) ?? -Infinity) < this.gapMs) continue;
      const a = q.shift()!;
      this.inFlight.add(tenantId);
      sent++;
      const answered = (): void => {
        this.inFlight.delete(tenantId);
        this.lastSent.set(tenantId, this.now());
      };
      void this.o.graph.sendActivity(a.caller, a.notice).then(
        () => {
          answered();
          this.o.onSent?.(tenantId);
        },
        (err: unknown) => {
          answered();
          this.o.onFailed?.(tenantId, err);
        },
      );
    }
    return sent;
  }

}
