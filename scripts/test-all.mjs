#!/usr/bin/env node
// The one test command: prepares the machine, builds, then runs every suite (unit and integration, end-to-end in
// Chromium, and a short benchmark smoke) and ends with a single "N passed, N failed" line covering all of them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'artifacts');
mkdirSync(out, { recursive: true });
const only = process.argv.slice(2);
const wants = (name) => only.length === 0 || only.includes(name);

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...opts.env } });
  return r.status ?? 1;
}

let passed = 0;
let failed = 0;
const summary = [];

function vitestSuite(name, config) {
  const report = join(out, `${name}.json`);
  rmSync(report, { force: true });
  const code = run('npx', ['vitest', 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  if (!existsSync(report)) {
    failed += 1;
    summary.push(`${name}: no report (exit ${code})`);
    return;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  // A suite that failed to load counts as a failure even when no test inside it ran.
  const loadFailures = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  passed += r.numPassedTests;
  failed += r.numFailedTests + loadFailures;
  if (r.numTotalTests === 0) failed += 1;
  summary.push(`${name}: ${r.numPassedTests} passed, ${r.numFailedTests + loadFailures} failed`);
}

if (run('bash', ['scripts/prepare-test-env.sh']) !== 0) {
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
if (run('npm', ['run', 'build']) !== 0) {
  console.log('\nbuild failed\n0 passed, 1 failed');
  process.exit(1);
}
if (wants('typecheck')) {
  // Type errors in the web app, tests or scripts do not stop the bundler, so they are checked as a suite of their own.
  const code = run('npm', ['run', 'typecheck']);
  if (code === 0) passed += 1;
  else failed += 1;
  summary.push(`typecheck: ${code === 0 ? 'passed' : 'failed'}`);
}
if (wants('unit')) vitestSuite('unit-and-integration', 'vitest.config.ts');
if (wants('e2e')) vitestSuite('e2e', 'vitest.e2e.config.ts');
if (wants('bench')) {
  const code = run('node', ['packages/bench/dist/walkers.js', '--users', '20', '--seconds', '5', '--smoke', '--out', join(out, 'bench-smoke.json')]);
  if (code === 0) passed += 1;
  else failed += 1;
  summary.push(`bench smoke: ${code === 0 ? 'passed' : 'failed'}`);
}

console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
