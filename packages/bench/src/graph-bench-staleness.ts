import { percentile } from './measure.js';

/**
 * Who a presence change counts for:
 * - `visible`: the person is in an office right now (their avatar is on someone's map);
 * - `member`: the person is a member of an open office (their row is in its People panel), but not in it;
 * - `unwatched`: in no open office, so nothing shows their presence and the change is not measured.
 */
export type Audience = 'visible' | 'member' | 'unwatched';

interface PendingChange {
  value: string;
  at: number;
  audience: Audience;
}

export interface StalenessSummary {
  /** Changes measured (resolved plus still pending at the end). */
  count: number;
  /** Shown before the end. */
  resolved: number;
  /** Still not shown at the end; counted in the percentiles at their age then (a lower bound). */
  unresolved: number;
  /** Of those, how many were older than 30 s at the end. */
  unresolvedOver30s: number;
  /** Seconds of simulated time. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Presence staleness: the time from a change of someone's presence at Microsoft to the product showing it. A change
 * is shown when the product shows its value, or a value of a later change (then the display reflects a newer
 * truth). A change whose value the product already shows counts 0. The news of a change may arrive after the
 * product showed it (the fake runs in another thread); it then counts until the product showed it. Pure bookkeeping: times are whatever clock the
 * caller uses (the benchmark: simulated milliseconds).
 */
export class StalenessTracker {
  private readonly pending = new Map<string, PendingChange[]>();
  private readonly shownValue = new Map<string, string>();
  private readonly shownAt = new Map<string, number>();
  private readonly samples: Record<'visible' | 'member', number[]> = { visible: [], member: [] };
  /** The slowest changes shown, for looking into the tail. */
  private readonly slow: { person: string; at: number; staleMs: number; audience: 'visible' | 'member' }[] = [];
  private dropped = 0;

  /** The truth changed to `value` at `at`. */
  changed(person: string, value: string, at: number, audience: Audience): void {
    const shownAt = this.shownAt.get(person);
    if (shownAt !== undefined && this.shownValue.get(person) === value) {
      // The product already shows the new truth: it was never stale, or (when the news of the change arrives after
      // the product showed it) stale until then. Earlier changes end there too.
      const end = Math.max(at, shownAt);
      this.settle(person, this.pending.get(person)?.length ?? 0, end);
      if (audience !== 'unwatched') this.record(person, at, end - at, audience);
      return;
    }
    const list = this.pending.get(person) ?? [];
    list.push({ value, at, audience });
    this.pending.set(person, list);
  }

  /** The product now shows `value` for the person. */
  shown(person: string, value: string, at: number): void {
    this.shownValue.set(person, value);
    this.shownAt.set(person, at);
    const list = this.pending.get(person);
    if (!list) return;
    let last = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.value === value && list[i]!.at <= at) {
        last = i;
        break;
      }
    }
    if (last >= 0) this.settle(person, last + 1, at);
  }

  /** The first `n` pending changes of the person ended at `at`. */
  private settle(person: string, n: number, at: number): void {
    const list = this.pending.get(person);
    if (!list) return;
    for (const change of list.splice(0, n)) {
      if (change.audience !== 'unwatched') this.record(person, change.at, at - change.at, change.audience);
    }
    if (list.length === 0) this.pending.delete(person);
  }

  /** The person left every open office: nothing shows them any more, so their pending changes are not owed. */
  unwatched(person: string): void {
    const list = this.pending.get(person);
    if (!list) return;
    this.dropped += list.filter((c) => c.audience !== 'unwatched').length;
    this.pending.delete(person);
  }

  /** What the product shows now for the person (undefined before the first read). */
  showing(person: string): string | undefined {
    return this.shownValue.get(person);
  }

  /** The `n` slowest changes shown so far, slowest first. */
  slowest(n: number): { person: string; at: number; staleMs: number; audience: 'visible' | 'member' }[] {
    return [...this.slow].sort((a, b) => b.staleMs - a.staleMs).slice(0, n);
  }

  private record(person: string, at: number, staleMs: number, audience: 'visible' | 'member'): void {
    this.samples[audience].push(staleMs);
    if (staleMs >= 5_000 && this.slow.length < 10_000) this.slow.push({ person, at, staleMs, audience });
  }

  /** Measured changes not shown yet. */
  *pendingChanges(): Iterable<{ person: string; value: string; at: number; audience: 'visible' | 'member' }> {
    for (const [person, list] of this.pending) {
      for (const c of list) if (c.audience !== 'unwatched') yield { person, value: c.value, at: c.at, audience: c.audience };
    }
  }

  droppedCount(): number {
    return this.dropped;
  }

  /** Staleness in seconds; `audiences` picks whom it covers. Pending changes count at their age at `endAt`. */
  summary(endAt: number, audiences: readonly ('visible' | 'member')[]): StalenessSummary {
    const resolved = audiences.flatMap((a) => this.samples[a]);
    const open: number[] = [];
    for (const list of this.pending.values()) {
      for (const change of list) if (change.audience !== 'unwatched' && audiences.includes(change.audience)) open.push(endAt - change.at);
    }
    const all = [...resolved, ...open].sort((a, b) => a - b);
    const seconds = (ms: number): number => (Number.isNaN(ms) ? 0 : Math.round(ms) / 1000);
    return {
      count: all.length,
      resolved: resolved.length,
      unresolved: open.length,
      unresolvedOver30s: open.filter((ms) => ms > 30_000).length,
      p50: seconds(percentile(all, 50)),
      p95: seconds(percentile(all, 95)),
      p99: seconds(percentile(all, 99)),
      max: seconds(all.at(-1) ?? 0),
    };
  }
}
