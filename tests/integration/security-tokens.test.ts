/**
 * Tokens as secrets: only their SHA-256 is stored (no column of any table holds a token's text), a revoked token is
 * refused by REST at once and its live sockets — daemon and dashboard, on every node — close within 5 s, and a
 * handshake with any hostile `auth` value is refused as unauthorized without harming the hub.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, hostileString } from '../helpers/arbitraries';
import { runCli } from '../helpers/cli';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { type ClientSocket, connect, daemonId, hello } from '../helpers/sockets';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Resolves with the disconnect reason and the wall-clock time it happened. */
const disconnection = (socket: ClientSocket) =>
  new Promise<{ reason: string; at: number }>((resolve) =>
    socket.once('disconnect', (reason) => resolve({ reason, at: Date.now() })),
  );

/** The connect_error message of a handshake with this `auth`. */
function refusal(url: string, namespace: string, auth: unknown): Promise<string> {
  const socket = io(`${url}${namespace}`, {
    auth: auth as Record<string, unknown>,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

describe('tokens', () => {
  let a: TestHub;
  let b: TestHub;
  const open: ClientSocket[] = [];
  const track = (s: ClientSocket) => {
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    a = await startTestHub({ config: { HANDSHAKE_RATE_PER_S: 10_000, REST_RATE_PER_MIN: 1_000_000 } });
    b = await startTestHub({
      databaseUrl: a.databaseUrl,
      config: { HANDSHAKE_RATE_PER_S: 10_000, REST_RATE_PER_MIN: 1_000_000 },
    });
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await b?.stop();
    await a?.destroy();
  });

  it('stores only the SHA-256 of each token: no column of any table holds a token text', async () => {
    const ws = await a.newWorkspace('hashed');
    const viaCli = await runCli(
      ['token', 'create', '--workspace', ws.workspaceId, '--role', 'member', '--name', 'cli'],
      { DATABASE_URL: a.databaseUrl },
    );
    expect(viaCli.code).toBe(0);
    const cliToken = JSON.parse(viaCli.stdout) as { id: string; token: string };
    const tokens = [
      { id: a.memberTokenId, token: a.memberToken },
      { id: a.daemonTokenId, token: a.daemonToken },
      { id: ws.memberTokenId, token: ws.memberToken },
      { id: ws.daemonTokenId, token: ws.daemonToken },
      cliToken,
    ];
    // 256 random bits each, in base64url, with a role prefix.
    for (const { token } of tokens) expect(token).toMatch(/^rh_[md]_[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(tokens.length);

    const tables = await a.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    expect(tables.map((t) => t.table_name)).toContain('tokens');
    for (const { token } of tokens) {
      // Each row as text (bytea shows as \x…hex), searched for the token, its secret part and its bytes in hex.
      const needles = [token, token.slice(5), Buffer.from(token).toString('hex')];
      for (const { table_name } of tables) {
        for (const needle of needles) {
          const [hit] = await a.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${table_name}" AS row WHERE position($1 in row::text) > 0`,
            [needle],
          );
          expect(hit, `${table_name} holds a token`).toEqual({ n: 0 });
        }
      }
    }
    const stored = await a.db.query<{ id: string; hash: string }>(
      'SELECT id::text, encode(token_hash, $2) AS hash FROM tokens WHERE id = ANY($1::uuid[]) ORDER BY id',
      [tokens.map((t) => t.id), 'hex'],
    );
    expect(stored).toEqual(
      tokens.map((t) => ({ id: t.id, hash: sha256(t.token) })).sort((x, y) => x.id.localeCompare(y.id)),
    );
  });

  /** A workspace with a daemon and a dashboard on each node, plus bystanders holding other tokens of it. */
  async function wired(name: string) {
    const ws: TestWorkspace = await a.newWorkspace(name);
    const daemons = [
      track(await connect(a.url, '/daemon', ws.daemonToken)),
      track(await connect(b.url, '/daemon', ws.daemonToken)),
    ];
    const dashboards = [
      track(await connect(a.url, '/dashboard', ws.memberToken)),
      track(await connect(b.url, '/dashboard', ws.memberToken)),
    ];
    const runtimeId = (await hello(daemons[0]!, ['claude'], daemonId())).claude!;
    return { ws, daemons, dashboards, runtimeId };
  }

  const revokedAt = async (tokenId: string) => {
    const [row] = await a.db.query<{ t: Date }>('SELECT revoked_at AS t FROM tokens WHERE id = $1', [
      tokenId,
    ]);
    return row!.t.getTime();
  };

  it("closes a revoked daemon token's sockets on both nodes within 5 s and refuses its REST calls at once", async () => {
    const { ws, daemons, dashboards, runtimeId } = await wired('revoked-daemon');
    const closed = daemons.map(disconnection);
    const revoke = await runCli(['token', 'revoke', ws.daemonTokenId], { DATABASE_URL: a.databaseUrl });
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.stdout)).toEqual({ id: ws.daemonTokenId, revoked: true });

    // REST needs no wait: the very first calls after the revocation are refused, on either node.
    const at = new Date().toISOString();
    const body = {
      runtime_id: runtimeId,
      events: [
        {
          id: 'after-revoke',
          ts: at,
          provider: 'claude',
          model: 'm',
          input_tokens: 1,
          output_tokens: 1,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ],
    };
    for (const node of [a, b]) {
      const res = await rest(`${node.url}/api/daemon/usage`, { token: ws.daemonToken, body });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { error: 'a valid daemon token is required', code: 'unauthorized' },
      });
    }
    const since = await revokedAt(ws.daemonTokenId);
    for (const { reason, at: closedAt } of await Promise.all(closed)) {
      expect(reason).toBe('io server disconnect');
      expect(closedAt - since).toBeLessThan(5_000);
    }
    for (const node of [a, b])
      expect(await refusal(node.url, '/daemon', { token: ws.daemonToken })).toBe('unauthorized');
    // The workspace's member token is untouched, and nothing was written with the revoked one.
    for (const d of dashboards) expect(d.connected).toBe(true);
    expect(await a.db.query("SELECT id FROM usage_events WHERE id = 'after-revoke'")).toEqual([]);
  });

  it("closes a revoked member token's dashboards on both nodes within 5 s and refuses its REST calls at once", async () => {
    const { ws, daemons, dashboards, runtimeId } = await wired('revoked-member');
    const closed = dashboards.map(disconnection);
    const revoke = await runCli(['token', 'revoke', ws.memberTokenId], { DATABASE_URL: a.databaseUrl });
    expect(revoke.code).toBe(0);
    for (const node of [a, b]) {
      for (const path of [
        '/api/runtimes',
        `/api/runtimes/${runtimeId}`,
        `/api/runtimes/${runtimeId}/usage`,
        '/api/usage',
        '/api/me',
      ]) {
        const res = await rest(`${node.url}${path}`, { token: ws.memberToken });
        expect({ path, status: res.status, body: res.body }).toEqual({
          path,
          status: 401,
          body: { error: 'a valid member token is required', code: 'unauthorized' },
        });
      }
    }
    const since = await revokedAt(ws.memberTokenId);
    for (const { reason, at } of await Promise.all(closed)) {
      expect(reason).toBe('io server disconnect');
      expect(at - since).toBeLessThan(5_000);
    }
    for (const node of [a, b])
      expect(await refusal(node.url, '/dashboard', { token: ws.memberToken })).toBe('unauthorized');
    for (const d of daemons) expect(d.connected).toBe(true);
  });

  it('refuses a handshake with any hostile auth value as unauthorized, on both namespaces, and keeps serving', async () => {
    const auth = fc.oneof(
      hostileString.filter((s) => s.length < 10_000).map((token) => ({ token })),
      fc.constantFrom(a.memberToken, a.daemonToken).map((t) => ({ token: `${t} ` })),
      fc.constantFrom(a.memberToken, a.daemonToken).map((t) => ({ token: [t] })),
      fc.constantFrom(a.memberToken, a.daemonToken).map((t) => ({ token: { toString: t } })),
      fc.constantFrom(a.memberToken, a.daemonToken).map((t) => ({ Token: t })),
      fc.constantFrom(a.memberToken, a.daemonToken).map((t) => ({ token: t.toUpperCase() })),
      fc.constantFrom(null, 0, true, 'token', [], {}).map((token) => ({ token })),
      fc.constant({ token: 'x'.repeat(201) }),
      fc.jsonValue({ maxDepth: 3 }).map((token) => ({ token })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/daemon', '/dashboard'), auth, async (namespace, value) => {
        expect(await refusal(a.url, namespace, value)).toBe('unauthorized');
      }),
      fuzzRuns(200),
    );
    // A token of the other role is refused too; the right one still works.
    expect(await refusal(a.url, '/daemon', { token: a.memberToken })).toBe('unauthorized');
    expect(await refusal(a.url, '/dashboard', { token: a.daemonToken })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: a.daemonToken })).toBe('connected');
    expect((await rest(`${a.url}/healthz`)).status).toBe(200);
  });
});
