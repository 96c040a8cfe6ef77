import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, runCli, startServe } from '../helpers/cli';
import { type FreshDatabase, freshDatabase } from '../helpers/postgres';
import { rest } from '../helpers/rest';

const MIGRATIONS = readdirSync(new URL('../../server/store/migrations/', import.meta.url))
  .filter((f) => f.endsWith('.sql'))
  .sort();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('runtime-hub CLI on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rh-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves a fresh DATA_DIR with no other setting: first start prints working tokens and a dashboard link', async () => {
    const port = await freePort();
    const { child, output } = await startServe(
      { DATA_DIR: dataDir, PORT: String(port) },
      /daemon token: +\S+/,
    );
    try {
      const text = output();
      const url = `http://127.0.0.1:${port}`;
      const member = /#token=(rh_m_[\w-]+)/.exec(text)![1]!;
      const daemon = /daemon token: +(rh_d_[\w-]+)/.exec(text)![1]!;
      expect(text).toContain(`open the dashboard:  ${url}/#token=${member}`);
      expect((await rest(`${url}/healthz`)).status).toBe(200);
      expect((await rest(`${url}/readyz`)).status).toBe(200);
      expect(await rest(`${url}/api/runtimes`, { token: member })).toMatchObject({ status: 200, body: [] });
      const hello = await rest(`${url}/api/daemon/hello`, {
        token: daemon,
        body: {
          daemon_id: '11111111-2222-4333-8444-555555555555',
          device_info: 'x',
          runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
        },
      });
      expect(hello.status).toBe(200);

      // A new dashboard link while the hub holds the embedded database: made by that hub, through its channel.
      expect(statSync(join(dataDir, 'admin.json')).mode & 0o777).toBe(0o600);
      const link = await runCli(['link'], { DATA_DIR: dataDir });
      expect(link.stderr).toBe('');
      expect(link.code).toBe(0);
      const made = JSON.parse(link.stdout);
      expect(made).toEqual({
        id: expect.any(String),
        token: expect.stringMatching(/^rh_m_[\w-]{43}$/),
        role: 'member',
        workspace_id: expect.any(String),
        link: `${url}/#token=${made.token}`,
      });
      expect(await rest(`${url}/api/runtimes`, { token: made.token })).toMatchObject({ status: 200 });

      // While the hub holds the embedded database, the other admin commands refuse clearly.
      const busy = await runCli(['workspace', 'create', 'second'], { DATA_DIR: dataDir });
      expect(busy.code).not.toBe(0);
      expect(busy.stdout).toBe('');
      expect(busy.stderr).toMatch(/in use by a running hub \(pid \d+\)/);
    } finally {
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    }
    expect(() => readFileSync(join(dataDir, 'admin.json'))).toThrow(/ENOENT/);
  }, 120_000);

  it('prints the URL it serves on every start, not only the first; --port and --data-dir override the environment', async () => {
    const port = await freePort();
    const { child, output } = await startServe(
      { DATA_DIR: join(dataDir, 'not-this-one'), PORT: 'not-a-port' },
      /runtime-hub link/,
      undefined,
      ['--port', String(port), '--data-dir', dataDir],
    );
    try {
      expect(output()).toContain(`Runtime Hub is running at http://127.0.0.1:${port}\n`);
      expect(output()).not.toContain('First start');
      expect((await rest(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    }
  }, 120_000);

  it('lists workspaces and tokens without their secrets', async () => {
    const workspaces = await runCli(['workspace', 'list'], { DATA_DIR: dataDir });
    expect(workspaces.code).toBe(0);
    const [first] = JSON.parse(workspaces.stdout).workspaces;
    expect(first).toEqual({ id: expect.any(String), name: 'default', created_at: expect.any(String) });
    const tokens = await runCli(['token', 'list', '--workspace', first.id], { DATA_DIR: dataDir });
    expect(tokens.code).toBe(0);
    expect(tokens.stdout).not.toMatch(/rh_[md]_/);
    const listed = JSON.parse(tokens.stdout).tokens as { role: string; name: string }[];
    expect(listed.map((t) => [t.role, t.name]).sort()).toEqual([
      ['daemon', 'first start'],
      ['member', 'first start'],
      ['member', 'link'],
    ]);
    for (const token of listed)
      expect(Object.keys(token).sort()).toEqual([
        'created_at',
        'id',
        'name',
        'revoked_at',
        'role',
        'workspace_id',
      ]);
  }, 120_000);

  it('creates workspaces and tokens and revokes them once the hub has stopped, printing one JSON object each', async () => {
    const ws = await runCli(['workspace', 'create', 'team-a'], { DATA_DIR: dataDir });
    expect(ws.code).toBe(0);
    const workspace = JSON.parse(ws.stdout);
    expect(workspace).toEqual({ id: expect.any(String), name: 'team-a' });

    const tok = await runCli(
      ['token', 'create', '--workspace', workspace.id, '--role', 'daemon', '--name', 'ci'],
      {
        DATA_DIR: dataDir,
      },
    );
    expect(tok.code).toBe(0);
    const token = JSON.parse(tok.stdout);
    expect(token).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^rh_d_[\w-]{43}$/),
      role: 'daemon',
      workspace_id: workspace.id,
    });

    const revoke = await runCli(['token', 'revoke', token.id], { DATA_DIR: dataDir });
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.stdout)).toEqual({ id: token.id, revoked: true });
  }, 120_000);

  it('refuses bad input with a one-line error and a non-zero exit', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['serve'],
        { PORT: 'abc', DATA_DIR: dataDir },
        /^runtime-hub: invalid PORT="abc": must be a port number\n$/,
      ],
      [
        ['token', 'create', '--workspace', 'nope', '--role', 'member'],
        { DATA_DIR: dataDir },
        /^runtime-hub: --workspace must be a workspace id \(a uuid\), not "nope"\n$/,
      ],
      [
        ['token', 'create', '--workspace', '00000000-0000-4000-8000-000000000000', '--role', 'admin'],
        { DATA_DIR: dataDir },
        /^runtime-hub: --role must be member \(opens the dashboard\) or daemon \(reports usage\), not "admin"\n$/,
      ],
      [['token', 'revoke', '00000000-0000-4000-8000-000000000000'], { DATA_DIR: dataDir }, /no token/],
      [['frobnicate'], { DATA_DIR: dataDir }, /unknown command "frobnicate"/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
    }
  }, 120_000);

  it('answers a misspelt flag with one line naming it and the nearest valid one, exit 2, no stack trace', async () => {
    const cases: [string[], string][] = [
      [['token', 'create', '--nmae', 'x'], 'unknown option --nmae for "token"; did you mean --name?'],
      [['serve', '--prot', '1'], 'unknown option --prot for "serve"; did you mean --port?'],
      [['daemon', '--ulr', 'x'], 'unknown option --ulr for "daemon"; did you mean --url?'],
      [['link', '--workspaces', 'x'], 'unknown option --workspaces for "link"; did you mean --workspace?'],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const result = await runCli(args, { DATA_DIR: dataDir });
        expect(result).toEqual({
          code: 2,
          stdout: '',
          stderr: `runtime-hub: ${message} (see "runtime-hub ${args[0]} --help")\n`,
        });
      }),
    );
  }, 120_000);

  it('gives every command its own --help, and --version', async () => {
    const commands = ['serve', 'migrate', 'workspace', 'token', 'link', 'demo', 'daemon', 'simulate'];
    const results = await Promise.all(commands.map((command) => runCli([command, '--help'], {})));
    results.forEach((result, i) => {
      expect(result.code, commands[i]).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: runtime-hub ${commands[i]}\\b`));
    });
    const version = await runCli(['--version'], {});
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  }, 120_000);

  it('prints help', async () => {
    const result = await runCli(['--help'], {});
    expect(result.code).toBe(0);
    for (const command of [
      'serve',
      'migrate',
      'workspace create',
      'token create',
      'token revoke',
      'workspace list',
      'token list',
      'link',
      'daemon',
      'simulate',
    ]) {
      expect(result.stdout).toContain(command);
    }
  });
});

describe('runtime-hub CLI on Postgres', () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('migrate on a fresh database reports every migration it applied, and nothing on a second run', async () => {
    const first = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ applied: MIGRATIONS });
    const second = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
  });

  it('administers tokens through DATABASE_URL', async () => {
    const ws = JSON.parse(
      (await runCli(['workspace', 'create', 'pg-team'], { DATABASE_URL: db.url })).stdout,
    );
    const member = await runCli(['token', 'create', '--workspace', ws.id, '--role', 'member'], {
      DATABASE_URL: db.url,
    });
    expect(JSON.parse(member.stdout)).toMatchObject({ role: 'member', workspace_id: ws.id });
  });
});
