import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { daemonCommand, simulateCommand } from '../../../server/daemon/cli';
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

describe('runtime-hub daemon / simulate', () => {
  it('prints help and exits 0', async () => {
    const io = capture();
    expect(await daemonCommand(['--help'])).toBe(0);
    expect(await simulateCommand(['-h'])).toBe(0);
    expect(io.out.join('')).toContain('runtime-hub daemon --url');
    expect(io.out.join('')).toContain('runtime-hub simulate --url');
  });

  it('documents its exit codes in --help (0 acked, 1 not acked, 2 bad options, 3 refused token, 4 unreachable)', async () => {
    const io = capture();
    expect(await daemonCommand(['--help'])).toBe(0);
    const help = io.out.join('');
    for (const line of [
      '  0  done',
      '  1  not everything acknowledged',
      '  2  bad options',
      '  3  the hub refused the token',
      '  4  the hub was never reached',
    ])
      expect(help).toContain(line);
    expect(help).toContain('runtime-hub daemon install-service');
  });

  it('takes the token from RUNTIME_HUB_DAEMON_TOKEN when --token is not given (a service keeps it off ps)', async () => {
    hub = await startFakeHub();
    vi.stubEnv('RUNTIME_HUB_DAEMON_TOKEN', TOKEN);
    const io = capture();
    const dir = tempDir();
    const code = await daemonCommand([
      '--url',
      hub.url,
      '--claude-dir',
      join(dir, 'none'),
      '--codex-dir',
      join(dir, 'none'),
      '--state',
      join(dir, 'state.json'),
      '--once',
    ]);
    vi.unstubAllEnvs();
    expect(code).toBe(0);
    expect(JSON.parse(io.out[0] ?? '')).toMatchObject({
      ok: true,
      warnings: [expect.stringMatching(/^no Claude/)],
    });
  });

  it('refuses missing or malformed options with exit code 2 and a message on stderr', async () => {
    const io = capture();
    expect(await daemonCommand(['--token', 't'])).toBe(2);
    expect(await daemonCommand(['--url', 'ftp://x', '--token', 't'])).toBe(2);
    expect(await daemonCommand(['--url', 'http://x', '--token', 't', '--bogus'])).toBe(2);
    expect(await simulateCommand(['--url', 'http://x', '--token', 't', '--rate', 'fast'])).toBe(2);
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toContain('--url is required');
  });

  it('prints exactly one JSON result on stdout with --once', async () => {
    hub = await startFakeHub();
    const io = capture();
    const code = await daemonCommand([
      '--url',
      hub.url,
      '--token',
      TOKEN,
      '--claude-dir',
      join(FIXTURES, 'claude'),
      '--codex-dir',
      join(FIXTURES, 'codex'),
      '--state',
      join(tempDir(), 'state.json'),
      '--once',
    ]);
    expect(code).toBe(0);
    expect(io.out).toHaveLength(1);
    expect(JSON.parse(io.out[0] ?? '')).toMatchObject({ ok: true, sent: { events: 7 } });
  });
});
