import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from '../../../server/daemon/backoff';
import { Delivery } from '../../../server/daemon/delivery';
import { silentLogger } from '../../../server/daemon/log';
import { Outbox } from '../../../server/daemon/outbox';
import type { HelloPayload, UsageEvent } from '../../../shared/schemas';
import { type FakeHub, startFakeHub, TOKEN } from './fake-hub';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const daemonId = randomUUID();
let seq = 0;
function event(id = `e${++seq}`, output = 10): UsageEvent {
  return {
    id,
    ts: '2025-10-01T10:00:00.000Z',
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    input_tokens: 1,
    output_tokens: output,
    cache_read_tokens: 100,
    cache_write_tokens: 0,
  };
}

function start(
  hub: { url: string },
  outbox: Outbox,
  extra: Partial<ConstructorParameters<typeof Delivery>[0]> = {},
) {
  const hello = (): HelloPayload | null => {
    const providers = outbox.providers().length ? outbox.providers() : ['claude'];
    return {
      daemon_id: daemonId,
      device_info: 'test',
      runtimes: providers.map((provider) => ({ provider, name: `${provider}@test`, runtime_mode: 'local' })),
    };
  };
  const d = new Delivery({
    url: hub.url,
    token: TOKEN,
    outbox,
    log: silentLogger(),
    hello,
    onUnauthorized: () => {},
    timeoutMs: 2000,
    reconnectDelayMs: 50,
    backoff: new Backoff(20, 200),
    ...extra,
  });
  d.start();
  cleanups.push(() => d.stop());
  return d;
}

async function hub(opts?: Parameters<typeof startFakeHub>[0]): Promise<FakeHub> {
  const h = await startFakeHub(opts);
  cleanups.push(() => h.close());
  return h;
}

describe('Delivery', () => {
  it('announces its runtimes, sends events and tasks in batches of at most 500, and empties the outbox on acks', async () => {
    const h = await hub();
    const outbox = new Outbox();
    for (let i = 0; i < 1200; i++) outbox.putEvent('claude', event());
    outbox.putTask('claude', { id: 't1', status: 'running', created_at: '2025-10-01T10:00:00.000Z' });
    const d = start(h, outbox);
    expect(await d.flush(15_000)).toBe(true);
    expect(h.events.size).toBe(1200);
    expect(h.tasks.get('t1')?.status).toBe('running');
    expect(h.calls.filter((c) => c.call === 'usage').map((c) => c.size)).toEqual([500, 500, 200]);
    expect(h.hellos[0]?.runtimes.map((r) => r.provider)).toEqual(['claude']);
    expect(d.stats).toMatchObject({ events: 1200, tasks: 1, droppedEvents: 0 });
  });

  it('retries a batch the hub could not take (unavailable, rate limited, no ack) until it is acknowledged', async () => {
    const h = await hub();
    h.policy = (call, _p, n) =>
      call !== 'usage'
        ? undefined
        : n === 1
          ? 'unavailable'
          : n === 2
            ? 'rate_limited'
            : n === 3
              ? 'silent'
              : undefined;
    const outbox = new Outbox();
    outbox.putEvent('claude', event('only'));
    const d = start(h, outbox, { timeoutMs: 300 });
    expect(await d.flush(15_000)).toBe(true);
    expect(h.events.has('only')).toBe(true);
    expect(d.stats.droppedEvents).toBe(0);
  });

  it('drops only the event the hub refuses as invalid and delivers the rest of its batch', async () => {
    const h = await hub();
    h.policy = (call, p) =>
      call === 'usage' && (p as { events: UsageEvent[] }).events.some((e) => e.id === 'bad')
        ? 'invalid_payload'
        : undefined;
    const outbox = new Outbox();
    for (let i = 0; i < 300; i++) outbox.putEvent('claude', i === 137 ? event('bad') : event());
    const d = start(h, outbox);
    expect(await d.flush(15_000)).toBe(true);
    expect(h.events.size).toBe(299);
    expect(h.events.has('bad')).toBe(false);
    expect(d.stats).toMatchObject({ events: 299, droppedEvents: 1 });
  });

  it('announces itself again when the hub no longer knows its runtime, then delivers', async () => {
    const h = await hub();
    const outbox = new Outbox();
    outbox.putEvent('claude', event('before'));
    const d = start(h, outbox);
    expect(await d.flush(15_000)).toBe(true);
    h.runtimes.clear(); // the hub lost its runtimes (say, a fresh database)
    outbox.putEvent('claude', event('after'));
    expect(await d.flush(15_000)).toBe(true);
    expect(h.events.has('after')).toBe(true);
    expect(h.hellos.length).toBeGreaterThanOrEqual(2);
  });

  it('loses nothing when several batches in flight are all refused as not_found after the hub lost its runtimes', async () => {
    const h = await hub();
    const outbox = new Outbox();
    outbox.putEvent('claude', event('warmup'));
    const d = start(h, outbox);
    expect(await d.flush(15_000)).toBe(true);
    h.runtimes.clear();
    for (let i = 0; i < 2000; i++) outbox.putEvent('claude', event(`reset-${i}`));
    expect(await d.flush(15_000)).toBe(true);
    expect(d.stats.droppedEvents).toBe(0);
    expect([...h.events.keys()].filter((k) => k.startsWith('reset-'))).toHaveLength(2000);
  });

  it('drops a batch the hub still does not know after announcing itself again', async () => {
    const h = await hub();
    h.policy = (call) => (call === 'usage' ? 'not_found' : undefined);
    const outbox = new Outbox();
    outbox.putEvent('claude', event('orphan'));
    const d = start(h, outbox);
    expect(await d.flush(15_000)).toBe(true);
    expect(d.stats.droppedEvents).toBe(1);
    expect(h.hellos.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps everything while the hub is down and delivers it after the hub comes back on the same port', async () => {
    const first = await startFakeHub();
    const outbox = new Outbox();
    outbox.putEvent('claude', event('a'));
    const d = start(first, outbox);
    expect(await d.flush(15_000)).toBe(true);
    await first.close();
    for (let i = 0; i < 50; i++) outbox.putEvent('claude', event(`offline-${i}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(outbox.eventCount).toBe(50);
    const second = await hub({ port: first.port });
    expect(await d.flush(10_000)).toBe(true);
    expect(second.events.size).toBe(50);
    expect(d.connected).toBe(true);
  });

  it('falls back to REST when the socket cannot connect', async () => {
    const h = await hub({ socket: false });
    const outbox = new Outbox();
    for (let i = 0; i < 20; i++) outbox.putEvent('claude', event());
    outbox.putTask('claude', { id: 't', status: 'completed', created_at: '2025-10-01T10:00:00.000Z' });
    const d = start(h, outbox);
    expect(await d.flush(10_000)).toBe(true);
    expect(h.events.size).toBe(20);
    expect(new Set(h.calls.map((c) => c.via))).toEqual(new Set(['rest']));
    expect(h.calls.map((c) => c.call)).toEqual(['hello', 'usage', 'task']);
  });

  it('reports a refused token', async () => {
    const h = await hub();
    const outbox = new Outbox();
    outbox.putEvent('claude', event());
    let refused = '';
    start(h, outbox, {
      token: 'wrong',
      onUnauthorized: (m) => {
        refused = m;
      },
    });
    for (let i = 0; i < 100 && !refused; i++) await new Promise((r) => setTimeout(r, 20));
    expect(refused).toBe('unauthorized');
    expect(outbox.eventCount).toBe(1);
  });

  it('sends the larger snapshot queued while a smaller one was in flight', async () => {
    const h = await hub();
    const outbox = new Outbox();
    let replaced = false;
    h.policy = (call) => {
      if (call === 'usage' && !replaced) {
        replaced = true;
        outbox.putEvent('claude', event('grow', 999)); // arrives while the first batch awaits its ack
      }
      return undefined;
    };
    outbox.putEvent('claude', event('grow', 1));
    const d = start(h, outbox);
    expect(await d.flush(15_000)).toBe(true);
    expect(h.events.get('grow')?.output_tokens).toBe(999);
  });
});

describe('Backoff', () => {
  it('doubles up to its cap with jitter between half and the full delay', () => {
    const lows = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5].map(() => lows.next())).toEqual([50, 100, 200, 400, 500]);
    const highs = new Backoff(100, 1000, () => 0.999999);
    expect([1, 2, 3, 4, 5].map(() => highs.next())).toEqual([100, 200, 400, 800, 1000]);
    highs.reset();
    expect(highs.next()).toBe(100);
  });
});
