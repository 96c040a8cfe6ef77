import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nameHash, osUserName } from '../../../server/daemon/attribution';
import { daemonCommand } from '../../../server/daemon/cli';
import { servicePlan } from '../../../server/daemon/install-service';
import { tempDir } from '../../fixtures/daemon/builders';
import { type FakeHub, startFakeHub, TOKEN } from './fake-hub';

const FIXTURES = join(import.meta.dirname, '../../fixtures/daemon');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c) => out.push(String(c)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => err.push(String(c)) > 0);
  return { out, err };
}

let hub: FakeHub | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await hub?.close();
  hub = undefined;
});

/** Runs `runtime-hub daemon --once` on the static fixtures against a fake hub; returns what the hub received. */
async function runOnce(extra: string[]) {
  hub = await startFakeHub();
  const io = capture();
  const code = await daemonCommand([
    '--url',
    hub.url,
    '--token',
    TOKEN,
    '--claude-dir',
    join(FIXTURES, 'claude-2.1.332'),
    '--codex-dir',
    join(FIXTURES, 'codex-0171'),
    '--state',
    join(tempDir(), 'state.json'),
    '--once',
    ...extra,
  ]);
  vi.restoreAllMocks();
  expect(code).toBe(0);
  expect(io.err).toEqual([]);
  return [...hub.events.values()].sort((a, b) => a.id.localeCompare(b.id));
}

const CLAUDE_SESSION = '38c4c2c5-a361-44be-afb9-d17047d32560';
const CODEX_SESSION = '01a22cc5-fc53-7861-8c0d-fe9812ac430f';

describe('runtime-hub daemon: what leaves the machine about project, session and user', () => {
  it('sends the project folder name, the session id and the OS user name by default', async () => {
    const sent = await runOnce([]);
    const user = osUserName();
    expect(sent.map((e) => [e.id, e.project, e.session_id, e.user])).toEqual([
      ['msg_fake_01:req_fake_1', 'claude-work-WnZDuj', CLAUDE_SESSION, user],
      ['msg_fake_02:req_fake_2', 'claude-work-WnZDuj', CLAUDE_SESSION, user],
      ['msg_fake_03:req_fake_3', 'claude-work-WnZDuj', CLAUDE_SESSION, user],
      ['msg_fake_04:req_fake_4', 'claude-work-WnZDuj', CLAUDE_SESSION, user],
      ['resp_fake_1', 'codex-work-uOTG0r', CODEX_SESSION, user],
      ['resp_fake_2', 'codex-work-uOTG0r', CODEX_SESSION, user],
    ]);
  });

  it('sends --user, and hashes or leaves out names as --project-names and --user-names say', async () => {
    const named = await runOnce(['--user', 'dana@example.com', '--project-names', 'hash']);
    expect(new Set(named.map((e) => `${e.project} ${e.user}`))).toEqual(
      new Set([
        `${nameHash('claude-work-WnZDuj')} dana@example.com`,
        `${nameHash('codex-work-uOTG0r')} dana@example.com`,
      ]),
    );
    await hub?.close();
    const hidden = await runOnce(['--project-names', 'off', '--user-names', 'off']);
    expect(hidden.map((e) => Object.keys(e).filter((k) => k === 'project' || k === 'user'))).toEqual(
      hidden.map(() => []),
    );
    expect(hidden.map((e) => e.session_id)).toEqual([
      CLAUDE_SESSION,
      CLAUDE_SESSION,
      CLAUDE_SESSION,
      CLAUDE_SESSION,
      CODEX_SESSION,
      CODEX_SESSION,
    ]);
  });

  it('refuses a bad --project-names, --user-names or an empty --user with one line on stderr and exit 2', async () => {
    const io = capture();
    const base = ['--url', 'http://127.0.0.1:1', '--token', 't'];
    expect(await daemonCommand([...base, '--project-names', 'full'])).toBe(2);
    expect(await daemonCommand([...base, '--user-names', 'HASH'])).toBe(2);
    expect(await daemonCommand([...base, '--user', ' '])).toBe(2);
    expect(io.out).toEqual([]);
    expect(io.err).toEqual([
      'runtime-hub: --project-names must be one of basename, hash, off (got "full")\n',
      'runtime-hub: --user-names must be one of name, hash, off (got "HASH")\n',
      'runtime-hub: --user must be a name\n',
    ]);
  });

  it('lists the flags in --help', async () => {
    const io = capture();
    expect(await daemonCommand(['--help'])).toBe(0);
    const help = io.out.join('');
    expect(help).toContain('--user <name>');
    expect(help).toContain('--project-names <m>  basename (default)');
    expect(help).toContain(
      '--user-names <m>     name (default), hash (SHA-256, first 16 hex characters) or off',
    );
  });

  it('install-service passes the attribution flags on to the daemon it runs', async () => {
    const [, unit] = servicePlan({
      platform: 'linux',
      home: '/home/u',
      node: '/usr/bin/node',
      script: '/opt/rh/bin/runtime-hub.js',
      url: 'http://hub:3000',
      token: 'tok',
      attribution: { user: 'erin', projectNames: 'hash', userNames: 'off' },
    }).files;
    expect(unit?.text).toContain(
      'daemon --url http://hub:3000 --user erin --project-names hash --user-names off\n',
    );
    const io = capture();
    const home = tempDir('rh-home-');
    vi.stubEnv('HOME', home);
    const base = [
      'install-service',
      '--platform',
      'linux',
      '--url',
      'http://h:1',
      '--token',
      'tok',
      '--print',
    ];
    expect(await daemonCommand([...base, '--project-names', 'nope'])).toBe(2);
    expect(await daemonCommand([...base, '--user-names', 'hash'])).toBe(0);
    vi.unstubAllEnvs();
    expect(io.out.join('')).toContain('--user-names hash\n');
  });
});
