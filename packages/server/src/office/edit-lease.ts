import type { LeaseGrant, LeaseStore } from '../cluster/lease.js';

/** How long an editor's lease lasts without renewal: a closed tab frees the office within this. */
export const EDIT_LEASE_TTL_MS = 30_000;

export type EditLeaseOutcome = { ok: true; token: number } | { ok: false; holderUserId: string };

/**
 * One editor at a time per office: the office editor holds a lease (in memory on one node, in Redis in a cluster)
 * and renews it while open. The same person opening the editor in a second tab takes the lease over, and the first
 * tab learns it lost it on its next renewal. The lease guards against two people painting over each other's work;
 * the map's version number still guards every save (a Tiled upload holds no lease).
 */
export class OfficeEditLeases {
  constructor(
    private readonly store: LeaseStore,
    private readonly ttlMs = EDIT_LEASE_TTL_MS,
  ) {}

  get leaseMs(): number {
    return this.ttlMs;
  }

  async acquire(officeId: string, userId: string): Promise<EditLeaseOutcome> {
    const key = this.key(officeId);
    const held = await this.store.holder(key);
    if (held && held.owner !== userId) return { ok: false, holderUserId: held.owner };
    if (held) await this.store.release(key, held);
    const grant = await this.store.acquire(key, userId, this.ttlMs);
    if (grant) return { ok: true, token: grant.token };
    // Someone else took it between the release and the acquire.
    const now = await this.store.holder(key);
    return { ok: false, holderUserId: now?.owner ?? userId };
  }

  renew(officeId: string, userId: string, token: number): Promise<boolean> {
    return this.store.renew(this.key(officeId), this.grant(userId, token), this.ttlMs);
  }

  release(officeId: string, userId: string, token: number): Promise<void> {
    return this.store.release(this.key(officeId), this.grant(userId, token));
  }

  /** The user id of whoever edits the office now. */
  async editor(officeId: string): Promise<string | undefined> {
    return (await this.store.holder(this.key(officeId)))?.owner;
  }

  private key(officeId: string): string {
    return `edit:${officeId}`;
  }

  private grant(owner: string, token: number): LeaseGrant {
    return { owner, token };
  }
}
