/**
 * Handshake authentication of both namespaces, and revocation: a revoked token's open sockets are closed within
 * 5 s on every node of the cluster (the test hubs check every 500 ms).
 */
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../server/store';
import type { Runtime } from '../../shared';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { type ClientSocket, callOk, collect, connect, eventually, hello } from '../helpers/sockets';

/** The connect_error message for a handshake with this `auth` object (or none). */
function refusal(url: string, namespace: string, auth?: Record<string, unknown>): Promise<string> {
  const socket = io(`${url}${namespace}`, {
    ...(auth ? { auth } : {}),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error(`${namespace} accepted the handshake`));
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

/** Resolves with the disconnect reason and the time it took from `since`. */
function disconnection(socket: ClientSocket, since: () => number): Promise<{ reason: string; ms: number }> {
  return new Promise((resolve) =>
    socket.once('disconnect', (reason) => resolve({ reason, ms: Date.now() - since() })),
  );
}

describe('socket authentication', () => {
  let a: TestHub;
  let b: TestHub;
  const sockets: ClientSocket[] = [];
  const open = async (node: TestHub, ns: '/daemon' | '/dashboard', token: string) => {
    const socket = await connect(node.url, ns, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    a = await startTestHub();
    b = await startTestHub({ databaseUrl: a.databaseUrl });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await b?.stop();
    await a?.destroy();
  });

  it('refuses /daemon handshakes without a valid daemon token as unauthorized', async () => {
    expect(await refusal(a.url, '/daemon', { token: a.memberToken })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon')).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: '' })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: 'rh_d_garbage' })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: 12345 })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: [a.daemonToken] })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: `${a.daemonToken}x` })).toBe('unauthorized');
    expect(await refusal(a.url, '/daemon', { token: 'x'.repeat(100_000) })).toBe('unauthorized');
  });

  it('refuses /dashboard handshakes without a valid member token as unauthorized', async () => {
    expect(await refusal(a.url, '/dashboard', { token: a.daemonToken })).toBe('unauthorized');
    expect(await refusal(a.url, '/dashboard')).toBe('unauthorized');
    expect(await refusal(a.url, '/dashboard', { token: 'garbage' })).toBe('unauthorized');
  });

  it('accepts each token on its own namespace, on either node', async () => {
    for (const node of [a, b]) {
      expect((await open(node, '/daemon', a.daemonToken)).connected).toBe(true);
      expect((await open(node, '/dashboard', a.memberToken)).connected).toBe(true);
    }
  });

  it("closes a revoked daemon token's sockets on both nodes within 5 s, and refuses it from then on", async () => {
    const ws: TestWorkspace = await a.newWorkspace('revoked-daemon');
    const watcher = await open(a, '/dashboard', ws.memberToken);
    const seen = collect<Runtime>(watcher, 'runtime');
    const onA = await open(a, '/daemon', ws.daemonToken);
    const onB = await open(b, '/daemon', ws.daemonToken);
    const runtimeId = (await hello(onA)).claude!;
    // Another daemon token of the workspace is not affected.
    const spare = await createToken(a.db, ws.workspaceId, 'daemon', 'spare');
    const bystander = await open(b, '/daemon', spare.token);

    let revokedAt = 0;
    const closed = [disconnection(onA, () => revokedAt), disconnection(onB, () => revokedAt)];
    expect(await revokeToken(a.db, ws.daemonTokenId)).toBe(true);
    revokedAt = Date.now();
    for (const { reason, ms } of await Promise.all(closed)) {
      expect(reason).toBe('io server disconnect');
      expect(ms).toBeLessThan(5_000);
    }
    expect(await refusal(a.url, '/daemon', { token: ws.daemonToken })).toBe('unauthorized');
    expect(await refusal(b.url, '/daemon', { token: ws.daemonToken })).toBe('unauthorized');
    // Its runtime went offline with its socket; the other token's socket is still open and usable.
    await eventually(() => seen.some((r) => r.id === runtimeId && r.status === 'offline'), 5_000);
    expect(bystander.connected).toBe(true);
    expect(
      await callOk(bystander, 'hello', {
        daemon_id: '5a1c2d3e-4a5b-4c6d-8e7f-000000000001',
        device_info: 'spare',
        runtimes: [{ provider: 'codex', name: 'codex@spare', runtime_mode: 'local' }],
      }),
    ).toMatchObject({ runtimes: [{ provider: 'codex', status: 'online' }] });
  });

  it("closes a revoked member token's dashboards on both nodes within 5 s", async () => {
    const ws = await a.newWorkspace('revoked-member');
    const onA = await open(a, '/dashboard', ws.memberToken);
    const onB = await open(b, '/dashboard', ws.memberToken);
    const daemonOfWorkspace = await open(a, '/daemon', ws.daemonToken);

    let revokedAt = 0;
    const closed = [disconnection(onA, () => revokedAt), disconnection(onB, () => revokedAt)];
    expect(await revokeToken(b.db, ws.memberTokenId)).toBe(true);
    revokedAt = Date.now();
    for (const { reason, ms } of await Promise.all(closed)) {
      expect(reason).toBe('io server disconnect');
      expect(ms).toBeLessThan(5_000);
    }
    expect(await refusal(b.url, '/dashboard', { token: ws.memberToken })).toBe('unauthorized');
    expect(daemonOfWorkspace.connected).toBe(true);
  });
});
