import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, watchServerFaults } from './local-server.js';
import { runFuzz, verdict } from './fuzz.js';

/**
 * A short, fixed-seed run of the WebSocket fuzzer against the server built from source in a child process, so a
 * crash shows as the process exiting. `npm run fuzz -- --frames N` runs longer ones.
 */
describe('WebSocket fuzzer (short run)', () => {
  let child: ChildProcess;
  let url: string;
  let dataDir: string;
  const watch = watchServerFaults();
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mo-fuzz-'));
    const main = new URL('../../server/src/main.ts', import.meta.url).pathname;
    ({ child, url } = await spawnServer({ dataDir, main, nodeArgs: ['--import', 'tsx', '--conditions=@metaoffice/source'], env: { WEB_DIST: '' }, onOutput: watch.onOutput }));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('400 mutated frames: no crash, every bad frame answered with a typed error or a close with a reason', async () => {
    const report = await runFuzz({ url, frames: 400, seed: 20_240_611, connections: 8, alive: () => child.exitCode === null && child.signalCode === null, serverFaults: () => watch.faults });
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
    expect(report.serverFaults).toEqual([]);
    // Still serving afterwards.
    expect((await fetch(url + '/readyz')).status).toBe(200);
  });

  it('the server-fault watch catches error-level log lines and Node\'s uncaught reports, and nothing else', () => {
    const w = watchServerFaults();
    const lines = [
      '{"level":40,"msg":"frame refused"}',
      '{"level":50,"msg":"handler failed"}',
      '{"level":60,"msg":"fatal"}',
      '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function]',
      'Uncaught exception: boom',
      'a plain line',
    ];
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      for (const l of lines) w.onOutput(l);
    } finally {
      process.stderr.write = write;
    }
    expect(w.faults).toEqual(lines.slice(1, 5));
  });
});
