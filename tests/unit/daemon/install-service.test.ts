import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { daemonCommand } from '../../../server/daemon/cli';
import { servicePlan } from '../../../server/daemon/install-service';
import { tempDir } from '../../fixtures/daemon/builders';

const TOKEN = 'rh_d_s3cr3t-Token_123';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c) => out.push(String(c)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => err.push(String(c)) > 0);
  return { out: () => out.join(''), err: () => err.join('') };
}

/** Runs `runtime-hub daemon install-service` with HOME set to a fresh folder. */
async function install(args: string[]) {
  const home = tempDir('rh-home-');
  vi.stubEnv('HOME', home);
  const io = capture();
  const code = await daemonCommand(['install-service', ...args]);
  return { home, code, ...io };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('runtime-hub daemon install-service (there was no service recipe)', () => {
  it('writes a systemd user unit that restarts the daemon, with its token in a 0600 env file only', async () => {
    const state = join(tempDir(), 'my state.json');
    const r = await install([
      '--platform',
      'linux',
      '--url',
      'http://hub.example:3000',
      '--token',
      TOKEN,
      '--state',
      state,
    ]);
    expect(r.code).toBe(0);
    const unitPath = join(r.home, '.config/systemd/user/runtime-hub-daemon.service');
    const envPath = join(r.home, '.config/runtime-hub/daemon.env');
    const unit = readFileSync(unitPath, 'utf8');
    const script = realpathSync(process.argv[1] ?? '');
    expect(unit).toContain(
      `ExecStart=${process.execPath} ${script} daemon --url http://hub.example:3000 --state "${state}"\n`,
    );
    expect(unit).toContain(`EnvironmentFile=${envPath}\n`);
    expect(unit).toContain('Restart=always\n');
    expect(unit).toContain('RestartPreventExitStatus=2 3\n');
    expect(unit).toContain('WantedBy=default.target\n');
    expect(unit).not.toContain(TOKEN);
    expect(readFileSync(envPath, 'utf8')).toMatch(new RegExp(`^RUNTIME_HUB_DAEMON_TOKEN=${TOKEN}$`, 'm'));
    expect(mode(envPath)).toBe('600');
    expect(mode(unitPath)).toBe('644');
    expect(r.out()).toBe(
      `wrote ${envPath} (mode 0600)\nwrote ${unitPath} (mode 0644)\n` +
        'start it now and at every login with:\n' +
        '  systemctl --user daemon-reload && systemctl --user enable --now runtime-hub-daemon.service\n',
    );
  });

  it('writes a launchd agent that keeps the daemon alive, readable by its owner only (it holds the token)', async () => {
    const r = await install(['--platform', 'macos', '--url', 'http://hub.example:3000', '--token', TOKEN]);
    expect(r.code).toBe(0);
    const plistPath = join(r.home, 'Library/LaunchAgents/dev.runtime-hub.daemon.plist');
    const plist = readFileSync(plistPath, 'utf8');
    expect(plist).toContain('<key>Label</key>\n  <string>dev.runtime-hub.daemon</string>');
    expect(plist).toContain(
      `<array>\n    <string>${process.execPath}</string>\n    <string>${realpathSync(process.argv[1] ?? '')}</string>\n` +
        '    <string>daemon</string>\n    <string>--url</string>\n    <string>http://hub.example:3000</string>\n  </array>',
    );
    expect(plist).toContain(`<key>RUNTIME_HUB_DAEMON_TOKEN</key>\n    <string>${TOKEN}</string>`);
    expect(plist).toContain('<key>KeepAlive</key>\n  <true/>');
    expect(mode(plistPath)).toBe('600');
    expect(r.out()).toContain(`launchctl load -w ${plistPath}\n`);
  });

  it('prints the files instead of writing them with --print', async () => {
    const r = await install(['--platform', 'linux', '--url', 'http://h:1', '--token', TOKEN, '--print']);
    expect(r.code).toBe(0);
    expect(r.out()).toContain(
      `# ${join(r.home, '.config/systemd/user/runtime-hub-daemon.service')} (mode 0644)\n`,
    );
    expect(r.out()).toContain('systemctl --user enable --now runtime-hub-daemon.service');
    expect(() => statSync(join(r.home, '.config'))).toThrow();
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))(
    'writes a unit that systemd-analyze verifies, awkward paths and URL included',
    async () => {
      const state = join(tempDir(), 'a b$x%y.json');
      const r = await install([
        '--platform',
        'linux',
        '--url',
        'http://h:1/?q=%41',
        '--token',
        TOKEN,
        '--state',
        state,
      ]);
      const dir = join(r.home, '.config/systemd/user');
      // Says nothing and exits 0 when the unit is valid (it also checks that the ExecStart binary exists).
      const check = spawnSync('systemd-analyze', ['verify', join(dir, 'runtime-hub-daemon.service')], {
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
        encoding: 'utf8',
      });
      expect([check.status, check.stdout, check.stderr]).toEqual([0, '', '']);
    },
  );

  it.skipIf(!existsSync('/usr/bin/python3'))('writes a plist that a plist parser reads back', async () => {
    const r = await install(['--platform', 'macos', '--url', 'http://h:1/?a=1&b=<2>', '--token', TOKEN]);
    const plist = join(r.home, 'Library/LaunchAgents/dev.runtime-hub.daemon.plist');
    const read = 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))';
    const parsed = JSON.parse(execFileSync('python3', ['-c', read, plist], { encoding: 'utf8' }));
    expect(parsed).toMatchObject({
      Label: 'dev.runtime-hub.daemon',
      KeepAlive: true,
      RunAtLoad: true,
      EnvironmentVariables: { RUNTIME_HUB_DAEMON_TOKEN: TOKEN },
    });
    expect(parsed.ProgramArguments.slice(2)).toEqual(['daemon', '--url', 'http://h:1/?a=1&b=<2>']);
  });

  it('escapes what systemd and XML would read as specifiers, variables or markup', () => {
    const o = {
      home: '/home/u',
      node: '/usr/bin/node',
      script: '/opt/rh/bin/runtime-hub.js',
      url: 'http://hub/?a=1&b=%41',
      token: TOKEN,
      codexDir: '/data/$HOME/codex',
    };
    const [, unit] = servicePlan({ ...o, platform: 'linux' }).files;
    expect(unit?.text).toContain('--url "http://hub/?a=1&b=%%41" --codex-dir "/data/$$HOME/codex"\n');
    const [plist] = servicePlan({ ...o, platform: 'macos' }).files;
    expect(plist?.text).toContain('<string>http://hub/?a=1&amp;b=%41</string>');
  });

  it('refuses a missing token, a token that could inject a line, and an unsupported platform, with exit 2', async () => {
    expect((await install(['--platform', 'linux', '--url', 'http://h:1'])).code).toBe(2);
    const injected = await install([
      '--platform',
      'linux',
      '--url',
      'http://h:1',
      '--token',
      'a\nExecStart=x',
    ]);
    expect(injected.code).toBe(2);
    expect(injected.err()).toContain('--token has characters a daemon token never has');
    const windows = await install(['--platform', 'windows', '--url', 'http://h:1', '--token', TOKEN]);
    expect(windows.code).toBe(2);
    expect(windows.err()).toContain(
      'install-service supports linux (systemd) and macos (launchd), not windows',
    );
  });

  it('takes the token from RUNTIME_HUB_DAEMON_TOKEN, so it need not be typed on a command line', async () => {
    vi.stubEnv('RUNTIME_HUB_DAEMON_TOKEN', TOKEN);
    const r = await install(['--platform', 'linux', '--url', 'http://h:1']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.home, '.config/runtime-hub/daemon.env'), 'utf8')).toContain(TOKEN);
  });
});
