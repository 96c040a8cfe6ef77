/**
 * The package as a user gets it: `npm pack`, the tarball installed into an empty folder with production
 * dependencies only, then `serve` on the embedded database serves the dashboard and a `daemon --once` reports a
 * Claude Code log to it. No TypeScript loader exists in that install, so this proves the compiled code, the
 * migrations and web/dist are all in the tarball.
 *
 * It packs the build that `npm test` (and `prepare`) made rather than building again (`--ignore-scripts`):
 * rebuilding would replace dist/ under the other test files that run the compiled CLI at the same time.
 * A dist/ older than the sources fails here with the command to run.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, exitOf, runCli, startServe } from '../helpers/cli';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const claudeFixture = join(root, 'tests/fixtures/daemon/claude/projects/-home-dev-project');
const fixtureSession = '5f0c6c1e-3b7a-4a8e-9d61-2f4f3c1b9a10.jsonl';

/** Newest modification time of a file under `dir`, in ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

function assertBuildIsFresh(): void {
  const built = (path: string) => {
    try {
      return statSync(join(root, path)).mtimeMs;
    } catch {
      return 0;
    }
  };
  const sources = Math.max(...['server', 'shared', 'web/src'].map((d) => newestMtime(join(root, d))));
  if (built('dist/server/main.js') < sources || built('web/dist/index.html') < sources)
    throw new Error('dist/ or web/dist is missing or older than the sources: run "npm run build" first');
}

describe('the packed tarball installed elsewhere with --omit=dev', () => {
  const work = mkdtempSync(join(tmpdir(), 'rh-package-'));
  const app = join(work, 'app');
  let installedCli = '';
  let npmInstallOutput = '';
  let tarballFiles: string[] = [];

  beforeAll(async () => {
    assertBuildIsFresh();
    const { stdout } = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarballFiles = packed!.files.map((f) => f.path);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{"name":"rh-install-check","private":true}\n');
    const install = await exec(
      'npm',
      ['install', join(work, packed!.filename), '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: app, maxBuffer: 16 * 1024 * 1024 },
    );
    npmInstallOutput = install.stdout + install.stderr;
    installedCli = join(app, 'node_modules/runtime-hub', CLI.slice(root.length));
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds what runs and nothing else: compiled code, migrations, the built dashboard, README and LICENSE', () => {
    const top = [...new Set(tarballFiles.map((f) => f.split('/')[0]))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'web']);
    expect(tarballFiles).toContain('dist/server/main.js');
    expect(tarballFiles).toContain('dist/server/migrations/001_initial.sql');
    expect(tarballFiles).toContain('web/dist/index.html');
    expect(tarballFiles.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(tarballFiles.filter((f) => f.startsWith('bin/'))).toEqual(['bin/runtime-hub.js']);
  });

  it('installs without the dev tools: no tsx, no esbuild, no vite, no TypeScript', () => {
    expect(npmInstallOutput).toMatch(/added \d+ packages/);
    const installed = readdirSync(join(app, 'node_modules'));
    for (const devTool of ['tsx', 'esbuild', 'vite', 'typescript']) expect(installed).not.toContain(devTool);
  });

  // Regression: a fresh install resolved dependencies that need Node 22 (content-disposition 3, cookie 2) while
  // we declare Node >= 20.19; the root `overrides` that kept our checkout clean do not apply to an installed package.
  it('installs without engine warnings on the Node versions package.json declares', () => {
    expect(npmInstallOutput).not.toContain('EBADENGINE');
  });

  it('serves the dashboard on the embedded database and takes a daemon --once report', async () => {
    const dataDir = join(work, 'data');
    const claudeDir = join(work, 'claude');
    const codexDir = join(work, 'codex');
    cpSync(
      join(claudeFixture, fixtureSession),
      join(claudeDir, 'projects/-home-dev-project', fixtureSession),
    );
    mkdirSync(codexDir);
    // RUNTIME_HUB_FROM_SOURCE is set for the other tests; here it must not be, or the bin would look for tsx.
    const env = { DATA_DIR: dataDir, PORT: '0', RUNTIME_HUB_FROM_SOURCE: '' };
    const { child, output } = await startServe(env, /daemon token: +\S+/, installedCli);
    try {
      const url = /Runtime Hub is running at (http:\/\/\S+)/.exec(output())![1]!;
      const daemonToken = /daemon token: +(rh_d_[\w-]+)/.exec(output())![1]!;
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).not.toContain('not built');
      const script = /<script type="module" crossorigin src="(\/assets\/[\w-]+\.js)"><\/script>/.exec(
        html,
      )?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${url}${script}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
      expect((await js.text()).length).toBeGreaterThan(10_000);

      const daemon = await runCli(
        [
          'daemon',
          '--once',
          '--url',
          url,
          '--token',
          daemonToken,
          '--claude-dir',
          claudeDir,
          '--codex-dir',
          codexDir,
          '--state',
          join(work, 'daemon-state.json'),
        ],
        env,
        60_000,
        installedCli,
      );
      expect(daemon.stderr).not.toMatch(/error/i);
      expect(daemon.code).toBe(0);
      // The fixture session holds two distinct usage events (and repeats of them) and one task.
      expect(JSON.parse(daemon.stdout)).toMatchObject({
        ok: true,
        sent: { events: 2, tasks: 1 },
        pending: { events: 0, tasks: 0 },
      });
      const memberToken = /#token=(rh_m_[\w-]+)/.exec(output())![1]!;
      const runtimes = await fetch(`${url}/api/runtimes`, {
        headers: { authorization: `Bearer ${memberToken}` },
      });
      expect(((await runtimes.json()) as { provider: string }[]).map((r) => r.provider)).toEqual(['claude']);
    } finally {
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    }
  }, 120_000);
});
