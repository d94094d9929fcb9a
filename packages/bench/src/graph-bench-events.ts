/** Things to do at simulated times, earliest first (a binary heap; ties run in the order they were added). */
export class EventQueue {
  private readonly heap: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;

  at(time: number, run: () => void): void {
    if (!Number.isFinite(time)) throw new RangeError(`an event needs a finite time, got ${time}`);
    this.heap.push({ at: time, seq: this.seq++, run });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs every event due at or before `now`, including those that due events add for times up to `now`. */
  runDue(now: number): number {
    let ran = 0;
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const top = this.heap[0]!;
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.sinkDown(0);
      }
      top.run();
      ran++;
    }
    return ran;
  }

  private sinkDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.before(l, best)) best = l;
      if (r < this.heap.length && this.before(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }
}
