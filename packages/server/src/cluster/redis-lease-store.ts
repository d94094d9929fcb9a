import type { Redis } from 'ioredis';
import type { LeaseGrant, LeaseStore } from './lease.js';

// Each script runs atomically in Redis. The lease value is "owner:token"; the fence counter outlives every lease
// (INCR never goes back), so tokens only grow, whoever holds the lease.
const ACQUIRE = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token`;
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** Leases in Redis: expiry is Redis's own (PX), so no node's clock decides when another may take over. */
export class RedisLeaseStore implements LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'metaoffice:lease:',
  ) {}

  async acquire(key: string, owner: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    if (owner.includes(':')) throw new Error('a lease owner name cannot contain ":"');
    const token = Number(await this.redis.eval(ACQUIRE, 2, this.prefix + key, this.prefix + key + ':fence', owner, String(ttlMs)));
    return token > 0 ? { owner, token } : undefined;
  }

  async renew(key: string, grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.prefix + key, `${grant.owner}:${grant.token}`, String(ttlMs))) === 1;
  }

  async release(key: string, grant: LeaseGrant): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + key, `${grant.owner}:${grant.token}`);
  }

  async holder(key: string): Promise<LeaseGrant | undefined> {
    const v = await this.redis.get(this.prefix + key);
    if (!v) return undefined;
    const i = v.lastIndexOf(':');
    return { owner: v.slice(0, i), token: Number(v.slice(i + 1)) };
  }
}
