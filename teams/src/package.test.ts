import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAppPackage, InvalidPackageError, zipPackage } from './bundle.js';
import { renderColorIcon, renderOutlineIcon } from './icons.js';
import { buildLocalizationFile, buildManifest } from './manifest.js';
import { validateManifest } from './validate.js';
import { readZipEntries } from './zip-entries.testutil.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const EXPECTED_FILES = ['manifest.json', 'color.png', 'outline.png', 'fr-fr.json'];
const workDir = mkdtempSync(join(tmpdir(), 'metaoffice-teams-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the packager as `npm run teams:package` does (the repository's own tsx binary, which npm puts on the PATH; going
 * through npx would only add seconds of start-up), with only the given settings in the environment.
 */
function runPackager(env: Record<string, string>, args: string[]): Promise<RunResult> {
  const inherited = { ...process.env };
  for (const name of ['PUBLIC_URL', 'MICROSOFT_CLIENT_ID', 'MICROSOFT_BOT_ID', 'TEAMS_APP_ID', 'TEAMS_APP_NAME_SUFFIX']) {
    delete inherited[name];
  }
  return new Promise((resolve) => {
    execFile(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      ['teams/src/package.ts', ...args],
      { cwd: REPO_ROOT, env: { ...inherited, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run teams:package', { timeout: 60_000 }, () => {
  const production = { PUBLIC_URL: 'https://office.example.com', MICROSOFT_CLIENT_ID: CLIENT_ID };

  it('writes a zip holding exactly the manifest, the icons and the localization files, all valid', async () => {
    const out = join(workDir, 'app.zip');
    const run = await runPackager(production, ['--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(out);

    const entries = readZipEntries(readFileSync(out));
    expect([...entries.keys()]).toEqual(EXPECTED_FILES);
    const manifest = JSON.parse(entries.get('manifest.json')?.toString('utf8') ?? '') as unknown;
    expect(validateManifest(manifest)).toEqual([]);
    expect(manifest).toEqual(buildManifest({ publicUrl: production.PUBLIC_URL, clientId: CLIENT_ID, version: '1.0.0' }));
    expect(JSON.parse(entries.get('fr-fr.json')?.toString('utf8') ?? '')).toEqual(buildLocalizationFile('fr-fr'));
    expect(entries.get('color.png')?.equals(renderColorIcon())).toBe(true);
    expect(entries.get('outline.png')?.equals(renderOutlineIcon())).toBe(true);
  });

  it('is reproducible: the same settings give the same bytes, whatever the time zone', async () => {
    const first = join(workDir, 'first.zip');
    const second = join(workDir, 'second.zip');
    expect((await runPackager({ ...production, TZ: 'UTC' }, ['--out', first])).code).toBe(0);
    expect((await runPackager({ ...production, TZ: 'Pacific/Auckland' }, ['--out', second])).code).toBe(0);
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
  });

  it('fails naming PUBLIC_URL when it is missing, and writes nothing', async () => {
    const out = join(workDir, 'missing.zip');
    const run = await runPackager({ MICROSOFT_CLIENT_ID: CLIENT_ID }, ['--out', out]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('PUBLIC_URL');
    expect(run.stderr).toMatch(/required/);
    expect(existsSync(out)).toBe(false);
  });

  it('fails naming MICROSOFT_CLIENT_ID when it is not a GUID', async () => {
    const run = await runPackager({ ...production, MICROSOFT_CLIENT_ID: 'metaoffice' }, ['--out', join(workDir, 'bad.zip')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('MICROSOFT_CLIENT_ID');
    expect(existsSync(join(workDir, 'bad.zip'))).toBe(false);
  });

  it('refuses to write a package that fails validation', async () => {
    const out = join(workDir, 'invalid.zip');
    const run = await runPackager({ ...production, PUBLIC_URL: `https://office.example.com/${'a'.repeat(2100)}` }, ['--out', out]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('the Teams app package is invalid');
    expect(existsSync(out)).toBe(false);
  });

  it('builds a dev package with --dev and says which defaults it used', async () => {
    const out = join(workDir, 'dev.zip');
    const run = await runPackager({}, ['--dev', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('PUBLIC_URL is not set, using http://localhost:8080');
    expect(run.stderr).toContain('MICROSOFT_CLIENT_ID is not set');
    const manifest = JSON.parse(readZipEntries(readFileSync(out)).get('manifest.json')?.toString('utf8') ?? '') as {
      name: { short: string };
      validDomains: string[];
    };
    expect(manifest.name.short).toBe('MetaOffice (dev)');
    expect(manifest.validDomains).toEqual(['localhost:8080']);
  });
});

describe('buildAppPackage', () => {
  it('refuses to build a package Teams would reject', () => {
    // Every option is well-formed, but the page URLs exceed the schema's 2,048 characters.
    const publicUrl = `https://office.example.com/${'a'.repeat(2100)}`;
    let failure: unknown;
    try {
      buildAppPackage({ publicUrl, clientId: CLIENT_ID });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(InvalidPackageError);
    expect((failure as InvalidPackageError).problems.some((problem) => problem.startsWith('/configurableTabs/0/configurationUrl'))).toBe(true);
  });

  it('zips the same files to the same bytes', async () => {
    const { files } = buildAppPackage({ publicUrl: 'https://office.example.com', clientId: CLIENT_ID });
    const [first, second] = await Promise.all([zipPackage(files), zipPackage(files)]);
    expect(first.equals(second)).toBe(true);
    expect([...readZipEntries(first).keys()]).toEqual(EXPECTED_FILES);
  });
});
