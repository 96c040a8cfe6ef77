import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId } from '../helpers/sockets';

const ts = new Date(Date.now() - 60_000).toISOString();
const event = (id: string, input: number) => ({
  id,
  ts,
  provider: 'codex',
  model: 'gpt-5',
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe('history views read twice', () => {
  let a: TestHub;
  let b: TestHub;
  let runtimeId: string;

  beforeAll(async () => {
    a = await startTestHub();
    b = await startTestHub({ databaseUrl: a.databaseUrl });
    const hello = await rest(`${a.url}/api/daemon/hello`, {
      token: a.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 'x',
        runtimes: [{ provider: 'codex', name: 'c', runtime_mode: 'local' }],
      },
    });
    runtimeId = hello.body.runtimes[0].id;
  });
  afterAll(async () => {
    await b.stop();
    await a.destroy();
  });

  const inputOn = async (hub: TestHub, path: string) => {
    const res = await rest(`${hub.url}${path}`, { token: a.memberToken });
    return (res.body as { input_tokens: number }[]).reduce((s, r) => s + r.input_tokens, 0);
  };

  it('reflect every write made since, on any node, for a runtime and for the workspace', async () => {
    const paths = [`/api/runtimes/${runtimeId}/usage?days=2`, '/api/usage?days=2'];
    const send = (events: unknown[]) =>
      rest(`${a.url}/api/daemon/usage`, { token: a.daemonToken, body: { runtime_id: runtimeId, events } });

    await send([event('e1', 10)]);
    for (const p of paths) expect(await inputOn(b, p)).toBe(10);
    for (const p of paths) expect(await inputOn(b, p)).toBe(10);

    await send([event('e1', 25), event('e2', 5)]);
    for (const p of paths) expect(await inputOn(b, p)).toBe(30);

    const daily = await rest(`${a.url}/api/daemon/runtimes/${runtimeId}/usage`, {
      token: a.daemonToken,
      body: {
        entries: [
          {
            date: ts.slice(0, 10),
            provider: 'codex',
            model: 'gpt-5',
            input_tokens: 100,
            output_tokens: 0,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
          },
        ],
      },
    });
    expect(daily.status).toBe(200);
    for (const p of paths) expect(await inputOn(b, p)).toBe(130);
  });

  it('regression: an activity answer cached on one node is not served after a task write on another', async () => {
    // Two hours that are surely in the 2-day UTC window: the current hour and the one before.
    const hourStart = (back: number) => new Date((Math.floor(Date.now() / 3_600_000) - back) * 3_600_000);
    const [now, before] = [hourStart(0), hourStart(1)];
    const path = `/api/runtimes/${runtimeId}/activity?days=2`;
    const read = async () => {
      const res = await rest<{ hour: number; count: number }[]>(`${b.url}${path}`, { token: a.memberToken });
      expect(res.status).toBe(200);
      const counts = Object.fromEntries(res.body.filter((r) => r.count > 0).map((r) => [r.hour, r.count]));
      return { counts, snapshot: res.headers.get('x-usage-snapshot') };
    };
    const sendTasks = async (tasks: unknown[]) => {
      const res = await rest(`${a.url}/api/daemon/tasks`, {
        token: a.daemonToken,
        body: { runtime_id: runtimeId, tasks },
      });
      expect(res.status).toBe(200);
    };
    const task = (id: string, at: Date, status = 'running') => ({
      id,
      status,
      created_at: before.toISOString(),
      started_at: new Date(at.getTime() + 60_000).toISOString(),
    });

    await sendTasks([task('t1', before)]);
    const first = await read();
    expect(first.counts).toEqual({ [before.getUTCHours()]: 1 });
    // Another runtime's write moves the database's snapshot on: a second answer with the first one's snapshot was
    // served from the cache, not read again.
    await rest(`${a.url}/api/daemon/usage`, {
      token: a.daemonToken,
      body: { runtime_id: runtimeId, events: [event('activity-cache-e1', 1)] },
    });
    expect(await read()).toEqual(first);

    // A new task and a task moved to another hour, written on the other node: the next answer holds both.
    await sendTasks([task('t1', now, 'completed'), task('t2', now)]);
    const second = await read();
    expect(second.counts).toEqual({ [now.getUTCHours()]: 2 });
    expect(second.snapshot).not.toBe(first.snapshot);
  });
});
