#!/usr/bin/env node
/**
 * Crash test: writes through the API under load (new offices, audio/video settings, spawn points) and kill -9s the
 * server at a random moment, again and again on the same database. After every kill it checks, in the database
 * itself, that every write the server acknowledged is there, and that the database is sound (SQLite:
 * `PRAGMA integrity_check` and `foreign_key_check`; PostgreSQL: no row whose foreign key points nowhere), then starts
 * the server on it again.
 *
 *   node packages/bench/dist/crash.js --kills 20 [--database postgres://…/db?schema=name] [--seed S]
 *
 * Without --database it uses SQLite in a fresh folder. Exit code 0 only when every round passed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ApiClient, OfficeConnection } from '@metaoffice/client';
import { nodeSocketFactory } from '@metaoffice/client/node';
import { seededRandom } from './graph-bench-plan.js';
import { sleep, spawnServer } from './local-server.js';

export interface CrashOptions {
  kills: number;
  /** PostgreSQL to test (with `?schema=` for a private schema); SQLite in a fresh folder when absent. */
  databaseUrl?: string | undefined;
  seed?: number;
  /** How to start the server: the built one by default; tests run it from source. */
  serverCommand?: { nodeArgs: string[]; main: string };
  log?: (line: string) => void;
}

export interface CrashRound {
  round: number;
  /** How long the writers ran before the kill. */
  killedAfterMs: number;
  acknowledged: { offices: number; settings: number; spawnPoints: number };
  /** Writes under way when the server died (sent, never answered). */
  inFlight: number;
  problems: string[];
}

const EMAIL = 'crash-writer@example.test';
const PASSWORD = 'crash-test-passphrase';

/** What the database holds, read directly (not through the server, which is dead). */
interface Stored {
  officeIds: Set<string>;
  /** The number in the last stored audio/video setting (`microphoneId: "mic-<n>"`), or -1. */
  settingsNo: number;
  spawnOffices: Set<string>;
  soundness: string[];
}

async function readStored(databaseUrl: string | undefined, dataDir: string): Promise<Stored> {
  if (!databaseUrl) {
    const db = new Database(join(dataDir, 'metaoffice.db'));
    try {
      const soundness: string[] = [];
      const integrity = db.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') soundness.push(`integrity_check: ${String(integrity)}`);
      const fk = db.pragma('foreign_key_check') as unknown[];
      if (fk.length) soundness.push(`foreign_key_check: ${fk.length} rows point nowhere`);
      return stored(
        db.prepare('select id from offices').all() as { id: string }[],
        db.prepare("select p.av_json from user_preferences p join users u on u.id = p.user_id where u.email = ?").all(EMAIL) as { av_json: string }[],
        db.prepare("select s.office_id from spawn_preferences s join users u on u.id = s.user_id where u.email = ? and s.mode = 'saved'").all(EMAIL) as { office_id: string }[],
        soundness,
      );
    } finally {
      db.close();
    }
  }
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  try {
    // PostgreSQL enforces the constraints itself; this proves none was left violated (no orphan anywhere).
    const orphans = await client.query<{ n: string }>(`
      select (select count(*) from users u where not exists (select 1 from organisations o where o.id = u.org_id))
           + (select count(*) from offices f where not exists (select 1 from organisations o where o.id = f.org_id))
           + (select count(*) from user_preferences p where not exists (select 1 from users u where u.id = p.user_id))
           + (select count(*) from spawn_preferences s where not exists (select 1 from offices f where f.id = s.office_id)) as n`);
    const soundness = Number(orphans.rows[0]!.n) > 0 ? [`${orphans.rows[0]!.n} rows point nowhere`] : [];
    return stored(
      (await client.query<{ id: string }>('select id from offices')).rows,
      (await client.query<{ av_json: string }>('select p.av_json from user_preferences p join users u on u.id = p.user_id where u.email = $1', [EMAIL])).rows,
      (await client.query<{ office_id: string }>("select s.office_id from spawn_preferences s join users u on u.id = s.user_id where u.email = $1 and s.mode = 'saved'", [EMAIL])).rows,
      soundness,
    );
  } finally {
    await client.end();
  }
}

function stored(offices: { id: string }[], settings: { av_json: string }[], spawn: { office_id: string }[], soundness: string[]): Stored {
  const mic = settings[0] ? /^mic-(\d+)$/.exec((JSON.parse(settings[0].av_json) as { microphoneId?: string }).microphoneId ?? '') : null;
  return { officeIds: new Set(offices.map((r) => r.id)), settingsNo: mic ? Number(mic[1]) : -1, spawnOffices: new Set(spawn.map((r) => r.office_id)), soundness };
}

function boot(o: CrashOptions, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  return spawnServer({
    dataDir,
    quiet: true,
    ...(o.serverCommand ?? {}),
    env: { WEB_DIST: '', LOG_LEVEL: 'silent', PASSWORD_COST: '10', SEED_DEMO: 'false', ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}) },
  });
}

export async function runCrashTest(o: CrashOptions): Promise<CrashRound[]> {
  // Seeded, so the kill moments of a run can be repeated.
  const random = seededRandom(o.seed ?? 1);
  const dataDir = mkdtempSync(join(tmpdir(), 'mo-crash-'));
  const rounds: CrashRound[] = [];
  // Acknowledged over the whole run: every later round must still find them.
  const ackOffices = new Set<string>();
  let ackSettings = -1;
  const ackSpawn = new Set<string>();
  let settingsNo = 0;
  try {
    for (let round = 1; round <= o.kills; round++) {
      const { child, url } = await boot(o, dataDir);
      const api = new ApiClient({ baseUrl: url, cookieJar: true });
      if (round === 1) await api.signUp({ email: EMAIL, password: PASSWORD, name: 'Crash writer' });
      else await api.signIn({ email: EMAIL, password: PASSWORD });
      const office = (await api.listOffices())[0] ?? (await api.createOffice({ name: 'Crash office', description: '', template: 'small-studio' }));
      let alive = true;
      let inFlight = 0;
      const counts = { offices: 0, settings: 0, spawnPoints: 0 };
      const write = async (fn: () => Promise<void>) => {
        inFlight++;
        try {
          await fn();
        } finally {
          inFlight--;
        }
      };
      // Six writers of new offices (inserts), one of settings (an upsert, numbered), one of spawn points (WebSocket).
      const officeWriters = Array.from({ length: 6 }, (_, w) =>
        (async () => {
          for (let i = 0; alive; i++) {
            await write(async () => {
              const o2 = await api.createOffice({ name: `r${round}-w${w}-${i}`, description: 'x'.repeat(200), template: 'small-studio' });
              ackOffices.add(o2.id);
              counts.offices++;
            }).catch(() => (alive = false));
          }
        })(),
      );
      const settingsWriter = (async () => {
        while (alive) {
          const n = ++settingsNo;
          await write(async () => {
            await api.saveAvPreferences({ speakerId: null, microphoneId: `mic-${n}`, cameraId: null, micOnByDefault: n % 2 === 0, cameraOnByDefault: false, prejoinDone: true });
            ackSettings = Math.max(ackSettings, n);
            counts.settings++;
          }).catch(() => (alive = false));
        }
      })();
      const conn = new OfficeConnection({ url: url.replace(/^http/, 'ws') + '/ws', officeId: office.id, viewport: { cols: 20, rows: 15 }, socketFactory: nodeSocketFactory(() => api.cookieHeader()), reconnect: { minMs: 60_000, maxMs: 60_000 } });
      const spawnWriter = (async () => {
        conn.connect();
        while (alive && conn.state !== 'open') await sleep(20);
        while (alive && conn.state === 'open') {
          const acked = new Promise<boolean>((resolve) => {
            const off = conn.on('spawn', (s) => {
              off();
              resolve(s.mode === 'saved');
            });
            setTimeout(() => resolve(false), 3000);
          });
          conn.setSpawn('here');
          if (await acked) {
            ackSpawn.add(office.id);
            counts.spawnPoints++;
          }
          await sleep(50);
        }
      })();
      const killedAfterMs = Math.round(800 + random() * 1700);
      await sleep(killedAfterMs);
      child.kill('SIGKILL');
      const cutOff = inFlight;
      await new Promise((r) => child.once('exit', r));
      alive = false;
      conn.close();
      await Promise.all([...officeWriters, settingsWriter, spawnWriter]);

      const db = await readStored(o.databaseUrl, dataDir);
      const problems = [...db.soundness];
      const lost = [...ackOffices].filter((id) => !db.officeIds.has(id));
      if (lost.length) problems.push(`${lost.length} acknowledged offices are missing`);
      if (db.settingsNo < ackSettings) problems.push(`the settings went back from mic-${ackSettings} (acknowledged) to mic-${db.settingsNo}`);
      const lostSpawn = [...ackSpawn].filter((id) => !db.spawnOffices.has(id));
      if (lostSpawn.length) problems.push(`acknowledged spawn points are missing for ${lostSpawn.length} offices`);
      if (counts.offices === 0) problems.push('no write was acknowledged before the kill (the load did not start)');
      const r: CrashRound = { round, killedAfterMs, acknowledged: counts, inFlight: cutOff, problems };
      rounds.push(r);
      o.log?.(`round ${round}: killed after ${killedAfterMs} ms with ${cutOff} writes in flight; acknowledged ${counts.offices} offices, ${counts.settings} settings, ${counts.spawnPoints} spawn points; ${problems.length ? `PROBLEMS: ${problems.join('; ')}` : 'all present, database sound'}`);
    }
    // The last restart: the server starts on what the kills left and serves it.
    const { child, url } = await boot(o, dataDir);
    try {
      const api = new ApiClient({ baseUrl: url, cookieJar: true });
      await api.signIn({ email: EMAIL, password: PASSWORD });
      const listed = new Set((await api.listOffices()).map((x) => x.id));
      const missing = [...ackOffices].filter((id) => !listed.has(id)).length;
      if (missing) rounds.at(-1)!.problems.push(`after the last restart the server lists ${missing} fewer acknowledged offices`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rounds;
}

async function main(argv: string[]): Promise<number> {
  const args = { kills: 20, seed: Date.now() % 2 ** 31, database: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (k === '--kills') args.kills = Number(v);
    else if (k === '--seed') args.seed = Number(v);
    else if (k === '--database') args.database = v;
    else {
      console.error(`unknown argument ${k}\nusage: npm run crash -- --kills N [--database postgres://…?schema=name] [--seed S]`);
      return 2;
    }
  }
  if (!Number.isInteger(args.kills) || args.kills < 1 || !Number.isInteger(args.seed)) {
    console.error('--kills must be a positive whole number and --seed a whole number');
    return 2;
  }
  console.log(`crash test: ${args.kills} kills on ${args.database ? 'PostgreSQL' : 'SQLite'} (seed ${args.seed})`);
  const rounds = await runCrashTest({ kills: args.kills, databaseUrl: args.database, seed: args.seed, log: (l) => console.log(l) });
  const failed = rounds.filter((r) => r.problems.length);
  const total = rounds.reduce((n, r) => n + r.acknowledged.offices + r.acknowledged.settings + r.acknowledged.spawnPoints, 0);
  console.log(`${rounds.length} kills, ${total} acknowledged writes, ${rounds.reduce((n, r) => n + r.inFlight, 0)} cut off in flight; ${failed.length} rounds with problems`);
  return failed.length ? 1 : 0;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  process.exit(await main(process.argv.slice(2)));
}
