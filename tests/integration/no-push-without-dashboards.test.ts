/**
 * On a single node, a commit of a workspace with no dashboard open builds no push (Socket.IO would encode it for an
 * empty room): the fan-out counter does not move. A dashboard that opens afterwards misses nothing: REST holds what
 * was committed before it, and every later commit reaches it as a delta.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, callOk, collect, connect, eventually, hello } from '../helpers/sockets';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const event = (id: string, input: number) => ({
  id,
  ts: hourAgo,
  provider: 'claude',
  model: 'claude-opus-4-1',
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

async function fanout(hub: TestHub, event: string): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`hub_fanout_messages_total{event="${event}"}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('no push without dashboards (single node)', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let dashboard: ClientSocket | undefined;

  beforeAll(async () => {
    hub = await startTestHub();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
  });
  afterAll(async () => {
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it('builds no usage or task push for a workspace with no dashboard, and a later dashboard misses nothing', async () => {
    const { claude: runtimeId } = await hello(daemon);
    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [event('before', 7)] });
    await callOk(daemon, 'task', {
      runtime_id: runtimeId,
      tasks: [{ id: 't1', status: 'running', created_at: hourAgo }],
    });
    expect(await fanout(hub, 'usage')).toBe(0);
    expect(await fanout(hub, 'task')).toBe(0);
    expect(await fanout(hub, 'runtime')).toBe(0);

    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    const pushes = collect<{ runtime_id: string; deltas: { input_tokens: number }[] }>(dashboard, 'usage');
    const rest = await fetch(`${hub.url}/api/runtimes/${runtimeId}/usage?days=2`, {
      headers: { authorization: `Bearer ${hub.memberToken}` },
    });
    expect(((await rest.json()) as { input_tokens: number }[]).map((r) => r.input_tokens)).toEqual([7]);

    await callOk(daemon, 'usage', { runtime_id: runtimeId, events: [event('after', 5), event('before', 9)] });
    await eventually(() => pushes.length === 1);
    expect(pushes[0]!.runtime_id).toBe(runtimeId);
    // 5 new plus the replaced event's difference (9 - 7): REST (7) + deltas (7) = the database (14).
    expect(pushes[0]!.deltas.reduce((sum, d) => sum + d.input_tokens, 0)).toBe(7);
    expect(await fanout(hub, 'usage')).toBe(1);
  });
});
