import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashTest } from './crash.js';

const FROM_SOURCE = { nodeArgs: ['--import', 'tsx', '--conditions=@metaoffice/source'], main: new URL('../../server/src/main.ts', import.meta.url).pathname };
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A short crash run in CI (the server from source, kill -9 at seeded random moments under write load): three kills on
 * SQLite, two on PostgreSQL. `npm run crash -- --kills 20` is the full run.
 */
describe('kill -9 under write load', { timeout: 240_000 }, () => {
  const schema = `crash_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  });

  const check = (rounds: Awaited<ReturnType<typeof runCrashTest>>, kills: number) => {
    expect(rounds).toHaveLength(kills);
    for (const r of rounds) {
      expect(r.problems, `round ${r.round}`).toEqual([]);
      expect(r.acknowledged.offices).toBeGreaterThan(0);
      expect(r.acknowledged.settings).toBeGreaterThan(0);
    }
    // Spawn points went through at least once, and some kills caught writes mid-flight (the test bites).
    expect(rounds.some((r) => r.acknowledged.spawnPoints > 0)).toBe(true);
    expect(rounds.some((r) => r.inFlight > 0)).toBe(true);
  };

  it('SQLite: every acknowledged write survives three kills, and integrity_check stays ok', async () => {
    check(await runCrashTest({ kills: 3, seed: 11, serverCommand: FROM_SOURCE }), 3);
  });

  it('PostgreSQL: every acknowledged write survives two kills, and no row points nowhere', async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    check(await runCrashTest({ kills: 2, seed: 12, databaseUrl: `${PG_URL}?schema=${schema}`, serverCommand: FROM_SOURCE }), 2);
  });
});
