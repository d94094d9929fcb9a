import { OfficeMap } from '@metaoffice/world';
import type { Office } from '../storage/index.js';
import { OfficeEngine, type EngineOptions } from './office-engine.js';

/** One engine per office, created on first use; this node owns every office it runs (clustering comes later). */
export class OfficeRegistry {
  private readonly engines = new Map<string, OfficeEngine>();

  constructor(private readonly opts: EngineOptions) {}

  engineFor(office: Office): OfficeEngine {
    let e = this.engines.get(office.id);
    if (!e) {
      e = new OfficeEngine(office.id, OfficeMap.fromTiled(JSON.parse(office.mapJson)), this.opts, office.mapVersion);
      e.start();
      this.engines.set(office.id, e);
    }
    return e;
  }

  get(officeId: string): OfficeEngine | undefined {
    return this.engines.get(officeId);
  }

  /** Every running engine. */
  all(): IterableIterator<OfficeEngine> {
    return this.engines.values();
  }

  online(officeId: string): number {
    return this.engines.get(officeId)?.size ?? 0;
  }

  totalAvatars(): number {
    let n = 0;
    for (const e of this.engines.values()) n += e.size;
    return n;
  }

  /**
   * A new version of an office's map was stored. A running engine switches to it in place when it is the same size;
   * otherwise it is stopped and forgotten, and `false` tells the caller to send its people to a fresh one.
   * An engine already at this version or a later one is left alone (a cluster message that arrived late).
   */
  applyMap(officeId: string, mapJson: string, version: number): boolean {
    const e = this.engines.get(officeId);
    if (!e || e.mapVersion >= version) return true;
    if (e.replaceMap(OfficeMap.fromTiled(JSON.parse(mapJson)), version)) return true;
    this.remove(officeId);
    return false;
  }

  /** Stops and forgets the engine of a deleted office. */
  remove(officeId: string): void {
    this.engines.get(officeId)?.stop();
    this.engines.delete(officeId);
  }

  stopAll(): void {
    for (const e of this.engines.values()) e.stop();
  }
}
