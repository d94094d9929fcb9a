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
      e = new OfficeEngine(office.id, OfficeMap.fromTiled(JSON.parse(office.mapJson)), this.opts);
      e.start();
      this.engines.set(office.id, e);
    }
    return e;
  }

  get(officeId: string): OfficeEngine | undefined {
    return this.engines.get(officeId);
  }

  online(officeId: string): number {
    return this.engines.get(officeId)?.size ?? 0;
  }

  totalAvatars(): number {
    let n = 0;
    for (const e of this.engines.values()) n += e.size;
    return n;
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
