/**
 * CI flake, session 11: fuzz-rest-writes read fewer usage_events after a property that writes nothing (188 → 113).
 * The hub's retention job runs its first round 30–60 s after start; on a slow host the fuzz file's first property
 * outlasted that, and the round deleted the old events an earlier property had stored. QUIET_BACKGROUND, which the
 * row-counting tests start their hubs with, keeps the job off: an event past retention stays while rounds are due.
 */
import { afterEach, expect, it } from 'vitest';
import { QUIET_BACKGROUND, startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId, eventually } from '../helpers/sockets';

const ROUNDS_DUE = { intervalMs: 20, firstDelayMs: 0 };
const yearsAgo = new Date(Date.now() - 2 * 365 * 86_400_000).toISOString();
let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.destroy();
  hub = undefined;
});

/** Stores one event two years old through a new runtime; answers a count of the stored events. */
async function storeOldEvent(h: TestHub): Promise<() => Promise<number>> {
  const hello = await rest(`${h.url}/api/daemon/hello`, {
    token: h.daemonToken,
    body: {
      daemon_id: daemonId(),
      device_info: 't',
      runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
    },
  });
  const usage = await rest(`${h.url}/api/daemon/usage`, {
    token: h.daemonToken,
    body: {
      runtime_id: hello.body.runtimes[0].id,
      events: [
        {
          id: 'old',
          ts: yearsAgo,
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 1,
          output_tokens: 2,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ],
    },
  });
  expect(usage.status).toBe(200);
  return async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events'))[0]!.n;
}

it('keeps an event past retention while rounds are due, with the background quiet', async () => {
  hub = await startTestHub({ config: QUIET_BACKGROUND, retention: ROUNDS_DUE });
  const stored = await storeOldEvent(hub);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await stored()).toBe(1);
});

it('deletes it under the same rounds with retention on (what the quiet background keeps out)', async () => {
  hub = await startTestHub({ config: { RAW_RETENTION_DAYS: 400 }, retention: ROUNDS_DUE });
  const stored = await storeOldEvent(hub);
  await eventually(async () => expect(await stored()).toBe(0), 10_000);
});
