import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, sleep } from './local-server.js';
import { runFuzz, verdict } from './fuzz.js';

/**
 * A short, fixed-seed run of the WebSocket fuzzer against the server built from source in a child process, so a
 * crash shows as the process exiting. `npm run fuzz -- --frames N` runs longer ones.
 */
describe('WebSocket fuzzer (short run)', () => {
  let child: ChildProcess;
  let url: string;
  let dataDir: string;
  beforeAll(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'mo-fuzz-'));
    const main = new URL('../../server/src/main.ts', import.meta.url).pathname;
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@metaoffice/source', main], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, WEB_DIST: '', LOG_LEVEL: 'warn', CI: '1', AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(url + '/readyz').then((r) => r.ok, () => false)) break;
      if (i > 300 || child.exitCode !== null) throw new Error('server did not start');
      await sleep(100);
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('400 mutated frames: no crash, every bad frame answered with a typed error or a close with a reason', async () => {
    const report = await runFuzz({ url, frames: 400, seed: 20_240_611, connections: 8, alive: () => child.exitCode === null && child.signalCode === null });
    expect(verdict(report)).toEqual([]);
    expect(report.frames).toBe(400);
    // The run exercised the refusals it claims to check.
    expect(report.bad).toBeGreaterThan(200);
    expect(report.answeredWithError).toBeGreaterThan(100);
    expect(Object.keys(report.errors)).toEqual(expect.arrayContaining(['MALFORMED_MESSAGE', 'VALIDATION_FAILED', 'UNKNOWN_MESSAGE']));
    // A bystander in the same office was measured before and during the fuzz (the verdict above bounds the change).
    expect(report.bystander.baseline.samples).toBeGreaterThan(10);
    expect(report.bystander.during.samples).toBeGreaterThan(10);
    expect(report.bystander.lost).toBe(0);
    // Still serving afterwards.
    expect((await fetch(url + '/readyz')).status).toBe(200);
  });
});
