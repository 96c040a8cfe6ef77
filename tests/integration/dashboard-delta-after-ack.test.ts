/**
 * Regression: a dashboard's `usage` delta left the hub before the daemon's answer (group commit published as it
 * settled the calls, and the ack ran a microtask later; REST published before the handler even returned), the
 * reverse of the promised commit → ack → publish. The order is read on the hub itself — the packets its engine
 * creates and the moment a REST reply is finished — so network timing between two sockets can neither cause nor
 * hide it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { type ClientSocket, call, collect, connect, eventually, hello } from '../helpers/sockets';

const hourAgo = new Date(Date.now() - 3_600_000);
const usageEvent = (id: string) => ({
  id,
  ts: hourAgo.toISOString(),
  provider: 'claude',
  model: 'claude-haiku-4-5',
  input_tokens: 10,
  output_tokens: 20,
  cache_read_tokens: 0,
  cache_write_tokens: 5,
});
const hourOf = (d: Date) => `${d.toISOString().slice(0, 13)}:00:00.000Z`;
const quarterOf = (d: Date) => new Date(Math.floor(d.getTime() / 900_000) * 900_000).toISOString();

interface EnginePacket {
  type: string;
  data?: unknown;
}

describe('dashboard delta after ack', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  let runtimeId: string;
  /** What the hub handed over, in order: `ack` (to the daemon), `reply` (REST), `usage` (to the dashboard). */
  const sent: string[] = [];

  beforeAll(async () => {
    hub = await startTestHub();
    hub.hub.io.engine.on(
      'connection',
      (socket: { on(e: 'packetCreate', f: (p: EnginePacket) => void): void }) =>
        socket.on('packetCreate', ({ type, data }) => {
          if (type !== 'message' || typeof data !== 'string') return;
          if (data.startsWith('3/daemon,')) sent.push('ack');
          else if (data.startsWith('2/dashboard,["usage"')) sent.push('usage');
        }),
    );
    hub.hub.io.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/api/daemon/usage')) res.once('finish', () => sent.push('reply'));
    });
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    runtimeId = (await hello(daemon)).claude!;
  });

  afterAll(async () => {
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it('emits a socket call’s usage delta to dashboards only after the daemon’s ack was sent', async () => {
    const pushes = collect(dashboard, 'usage');
    sent.length = 0;
    const ack = await call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('socket-1')] });
    expect(ack).toEqual({ ok: true, data: { accepted: 1 } });
    await eventually(() => pushes.length === 1);
    expect(pushes).toEqual([
      {
        runtime_id: runtimeId,
        deltas: [
          {
            hour: hourOf(hourAgo),
            at: quarterOf(hourAgo),
            provider: 'claude',
            model: 'claude-haiku-4-5',
            input_tokens: 10,
            output_tokens: 20,
            cache_read_tokens: 0,
            cache_write_tokens: 5,
            // Haiku 4.5 at list price: 10 × $1/M + 20 × $5/M + 5 × $1.25/M.
            cost_usd: 0.00011625,
            unpriced_tokens: 0,
          },
        ],
        commit: expect.stringMatching(/^[0-9]+$/),
      },
    ]);
    expect(sent).toEqual(['ack', 'usage']);
  });

  it('emits a REST call’s usage delta to dashboards only after the reply was sent', async () => {
    const pushes = collect(dashboard, 'usage');
    sent.length = 0;
    const answer = await rest(`${hub.url}/api/daemon/usage`, {
      token: hub.daemonToken,
      body: { runtime_id: runtimeId, events: [usageEvent('rest-1')] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 1 });
    await eventually(() => pushes.length === 1);
    expect(sent).toEqual(['reply', 'usage']);
  });
});
