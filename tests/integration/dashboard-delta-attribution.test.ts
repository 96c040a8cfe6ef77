/**
 * Live usage deltas carry what a dashboard needs to filter them the way REST filters history: the quarter-hour
 * (`at`, for zones whose days split hours) and the project, user and session of the usage, only when present.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsagePush } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, call, collect, connect, eventually, hello } from '../helpers/sockets';

const HOUR = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
const at = (minutes: number) => new Date(HOUR + minutes * 60_000).toISOString();

const usageEvent = (id: string, minutes: number, extra: Record<string, string> = {}) => ({
  id,
  ts: at(minutes),
  provider: 'claude',
  model: 'claude-haiku-4-5',
  input_tokens: 10,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  ...extra,
});

describe('dashboard deltas with attribution', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  let runtimeId: string;

  beforeAll(async () => {
    hub = await startTestHub();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
    runtimeId = (await hello(daemon)).claude!;
  });

  afterAll(async () => {
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it('sends one delta per quarter-hour and attribution, naming only the attribution the events carried', async () => {
    const pushes = collect(dashboard, 'usage');
    const events = [
      usageEvent('a1', 2, { project: 'web', user: 'ann', session_id: 's1' }),
      usageEvent('a2', 7, { project: 'web', user: 'ann', session_id: 's1' }),
      usageEvent('a3', 20, { project: 'web', user: 'ann', session_id: 's1' }),
      usageEvent('b1', 50, { user: 'bob' }),
      usageEvent('c1', 58),
    ];
    const ack = await call(daemon, 'usage', { runtime_id: runtimeId, events });
    expect(ack).toEqual({ ok: true, data: { accepted: 5 } });
    await eventually(() => pushes.length === 1);
    const push = UsagePush.parse(pushes[0]);
    const common = {
      hour: at(0),
      provider: 'claude',
      model: 'claude-haiku-4-5',
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      unpriced_tokens: 0,
    };
    const sorted = [...push.deltas].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    expect(push.runtime_id).toBe(runtimeId);
    expect(sorted).toEqual(
      [
        {
          ...common,
          at: at(0),
          input_tokens: 20,
          cost_usd: 0.00002,
          project: 'web',
          user: 'ann',
          session_id: 's1',
        },
        {
          ...common,
          at: at(15),
          input_tokens: 10,
          cost_usd: 0.00001,
          project: 'web',
          user: 'ann',
          session_id: 's1',
        },
        { ...common, at: at(45), input_tokens: 10, cost_usd: 0.00001, user: 'bob' },
        { ...common, at: at(45), input_tokens: 10, cost_usd: 0.00001 },
      ].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)),
    );
  });

  it('moves a replaced event between projects with one negative and one positive delta', async () => {
    const pushes = collect(dashboard, 'usage');
    await call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent('m', 5, { project: 'old' })] });
    await call(daemon, 'usage', {
      runtime_id: runtimeId,
      events: [{ ...usageEvent('m', 5, { project: 'new' }), input_tokens: 11 }],
    });
    await eventually(() => pushes.length === 2);
    const moved = UsagePush.parse(pushes[1]).deltas.map((d) => [
      'project' in d ? d.project : undefined,
      d.input_tokens,
    ]);
    expect(moved.sort((x, y) => Number(x[1]) - Number(y[1]))).toEqual([
      ['old', -10],
      ['new', 11],
    ]);
  });
});
