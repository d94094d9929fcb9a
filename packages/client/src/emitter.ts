/** A tiny typed event emitter; the SDK runs in browsers and Node alike, so it cannot lean on node:events. */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly handlers = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, handler: Events[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of [...set]) {
      try {
        (h as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (err) {
        // One faulty listener must not stop the others nor break the connection's state machine.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
