import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface LocalServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The built server's entry point, as `npm start` runs it. */
export const BUILT_SERVER_MAIN = join(dirname(new URL(import.meta.url).pathname), '../../server/dist/main.js');

/**
 * Starts a server process on a free loopback port over `dataDir`, and resolves once `/readyz` answers; throws when it
 * exits first or takes over 30 s. `main` and `nodeArgs` choose the build (tests run it from source with tsx).
 */
export async function spawnServer(o: {
  dataDir: string;
  env?: Record<string, string>;
  main?: string;
  nodeArgs?: string[];
  quiet?: boolean;
  /** Receives each line the server writes (stdout and stderr) instead of the terminal. */
  onOutput?: (line: string) => void;
}): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.main ?? BUILT_SERVER_MAIN], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: o.dataDir, LOG_LEVEL: 'warn', CI: '1', AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...o.env },
    stdio: o.onOutput ? ['ignore', 'pipe', 'pipe'] : o.quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'],
  });
  if (o.onOutput) for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', o.onOutput);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(url + '/readyz').then((r) => r.ok, () => false)) return { child, url };
    if (i > 300 || child.exitCode !== null) throw new Error('server did not start');
    await sleep(100);
  }
}

/**
 * Watches a server's output for what must never happen under any input: a log line at level error or fatal (pino
 * levels 50 and 60), or Node reporting an uncaught exception or an unhandled promise rejection. Every line is still
 * echoed to stderr.
 */
export function watchServerFaults(): { onOutput: (line: string) => void; faults: string[] } {
  const faults: string[] = [];
  const onOutput = (line: string) => {
    process.stderr.write(line + '\n');
    let level = 0;
    try {
      level = Number((JSON.parse(line) as { level?: unknown }).level) || 0;
    } catch {
      // Not a pino line: Node's own report of a crash is plain text.
    }
    if (level >= 50 || /unhandled ?(promise ?)?rejection|uncaught ?exception/i.test(line)) faults.push(line.slice(0, 500));
  };
  return { onOutput, faults };
}

/** Starts the built server (as `npm start` runs it) on a free loopback port with a fresh data folder. */
export async function startLocalServer(env: Record<string, string> = {}, nodeArgs: string[] = [], onOutput?: (line: string) => void): Promise<LocalServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mo-bench-'));
  const { child, url } = await spawnServer({ dataDir, env, nodeArgs, onOutput });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
