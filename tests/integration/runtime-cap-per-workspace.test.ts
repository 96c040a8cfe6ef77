import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { type ClientSocket, call, connect, daemonId, hello } from '../helpers/sockets';

const helloOf = (id: string, providers: string[]) => ({
  daemon_id: id,
  device_info: 'box',
  runtimes: providers.map((provider) => ({ provider, name: provider, runtime_mode: 'local' })),
});

describe('runtime cap per workspace', () => {
  let hub: TestHub;
  let daemon: ClientSocket;

  beforeAll(async () => {
    hub = await startTestHub({ config: { MAX_RUNTIMES_PER_WORKSPACE: 5 } });
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
  });
  afterAll(async () => {
    daemon.close();
    await hub.destroy();
  });

  it('refuses a hello past the cap as rate_limited, over the socket and over REST, registering nothing', async () => {
    const first = daemonId();
    await hello(daemon, ['a', 'b', 'c', 'd'], first);

    const socketAck = await call(daemon, 'hello', helloOf(daemonId(), ['e', 'f']));
    expect(socketAck).toEqual({
      ok: false,
      error: {
        code: 'rate_limited',
        message:
          'this workspace has reached its cap of 5 runtimes (MAX_RUNTIMES_PER_WORKSPACE); nothing was registered',
      },
    });
    const restAnswer = await rest(`${hub.url}/api/daemon/hello`, {
      token: hub.daemonToken,
      body: helloOf(daemonId(), ['e', 'f']),
    });
    expect(restAnswer.status).toBe(429);
    expect(restAnswer.body.code).toBe('rate_limited');

    // Filling the cap exactly is allowed, and a known daemon may always say hello again.
    await hello(daemon, ['e'], daemonId());
    await hello(daemon, ['a', 'b', 'c', 'd'], first);
    const listed = await rest(`${hub.url}/api/runtimes`, { token: hub.memberToken });
    expect(listed.body).toHaveLength(5);
    // Another workspace has its own cap.
    const other = await hub.newWorkspace('other');
    const otherAnswer = await rest(`${hub.url}/api/daemon/hello`, {
      token: other.daemonToken,
      body: helloOf(daemonId(), ['a', 'b', 'c', 'd', 'e']),
    });
    expect(otherAnswer.status).toBe(200);
  });

  it('lets concurrent hellos together register no more than the cap', async () => {
    const ws = await hub.newWorkspace('race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        rest(`${hub.url}/api/daemon/hello`, { token: ws.daemonToken, body: helloOf(daemonId(), ['x', 'y']) }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(6);
    const listed = await rest(`${hub.url}/api/runtimes`, { token: ws.memberToken });
    expect(listed.body).toHaveLength(4);
  });
});
