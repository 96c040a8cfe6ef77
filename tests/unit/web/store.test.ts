import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Runtime, UsageRow } from '../../../shared/schemas';
import { localDate } from '../../../shared/time';
import { Store } from '../../../web/src/live/store';
import { MemoryStorage } from '../../helpers/memory-storage';

const RT = '11111111-1111-4111-8111-111111111111';
const today = localDate(Date.now(), 'UTC');

const runtime = (status: Runtime['status'], name = 'box'): Runtime => ({
  id: RT,
  workspace_id: '22222222-2222-4222-8222-222222222222',
  daemon_id: '33333333-3333-4333-8333-333333333333',
  name,
  runtime_mode: 'local',
  provider: 'claude',
  status,
  device_info: 'dev',
  metadata: {},
  last_seen_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

const row: UsageRow = {
  runtime_id: RT,
  date: today,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 10,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: 0.00003,
};

/** Answers the dashboard's REST calls from fixed data; counts the calls. */
function fakeHub(status = 200) {
  const calls: string[] = [];
  const answer = (url: string): unknown => {
    if (url.startsWith('/api/runtimes/') && url.includes('/activity'))
      return Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0 }));
    // Grouped per model or per runtime: the overview's views and the runtime page's per-day totals.
    const by = /group_by=(model|runtime)/.exec(url)?.[1];
    if (url.includes('/usage') && by) {
      const { runtime_id, provider: _p, model, cost_source: _s, ...amounts } = row;
      return [{ ...amounts, key: by === 'model' ? model : runtime_id }];
    }
    if (url.startsWith('/api/runtimes/') && url.includes('/usage')) return [row];
    if (url.startsWith('/api/runtimes')) return [runtime('online')];
    if (url.startsWith('/api/me'))
      return { workspace: { id: 'w', name: 'Acme' }, token: { id: 't', role: 'member', name: null } };
    return {};
  };
  const fetch = vi.fn(async (url: string, _init?: RequestInit) => {
    calls.push(url);
    const body = status === 200 ? answer(url) : { error: 'bad token', code: 'unauthorized' };
    return new Response(JSON.stringify(body), { status });
  });
  return { fetch, calls };
}

let frames: (() => void)[] = [];

beforeEach(() => {
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
});
afterEach(() => vi.unstubAllGlobals());

async function loadedStore() {
  const hub = fakeHub();
  vi.stubGlobal('fetch', hub.fetch);
  const store = new Store(new MemoryStorage() as unknown as Storage);
  store.signIn('rh_m_test');
  store.setTimeZone('UTC');
  store.openDetail(RT, 7);
  await store.loadAll();
  return { store, hub };
}

const hourDelta = (input: number) => ({
  hour: `${today}T05:00:00.000Z`,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe('the live store', () => {
  it('merges a burst of usage pushes in one animation frame, without refetching', async () => {
    const { store, hub } = await loadedStore();
    const fetched = hub.calls.length;
    let notified = 0;
    store.subscribe(() => notified++);
    store.pushUsage({ runtime_id: RT, deltas: [hourDelta(5)] });
    store.pushUsage({ runtime_id: RT, deltas: [hourDelta(7)] });
    expect(frames).toHaveLength(1);
    frames[0]?.();
    expect(notified).toBe(1);
    const s = store.get();
    expect(s.overview.status === 'ready' && s.overview.data.models[0]?.input_tokens).toBe(22);
    expect(s.overview.status === 'ready' && s.overview.data.runtimes[0]?.input_tokens).toBe(22);
    expect(s.detail?.usage.status === 'ready' && s.detail.usage.data.rows[0]?.input_tokens).toBe(22);
    expect(s.detail?.usage.status === 'ready' && s.detail.usage.data.daily[0]?.input_tokens).toBe(22);
    expect(s.lastDeltaAt[RT]).toBeTypeOf('number');
    expect(hub.calls.length).toBe(fetched);
  });

  it('upserts runtimes from `runtime` events', async () => {
    const { store } = await loadedStore();
    store.pushRuntime(runtime('offline', 'renamed'));
    store.pushRuntime({ ...runtime('online', 'new one'), id: '44444444-4444-4444-8444-444444444444' });
    frames[0]?.();
    const s = store.get();
    expect(s.runtimes.status === 'ready' && s.runtimes.data.map((r) => [r.name, r.status])).toEqual([
      ['renamed', 'offline'],
      ['new one', 'online'],
    ]);
  });

  it('counts a task once in the hourly distribution, whatever its status updates', async () => {
    const { store } = await loadedStore();
    const task = { id: 'x', status: 'running' as const, created_at: `${today}T09:30:00Z` };
    store.pushTask({ runtime_id: RT, task });
    store.pushTask({ runtime_id: RT, task: { ...task, status: 'completed' } });
    frames[0]?.();
    const h = store.get().detail?.hourly;
    expect(h?.status === 'ready' && h.data.counts[9]).toBe(1);
    expect(h?.status === 'ready' && h.data.counts.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('ignores deltas of other runtimes on the detail page but keeps them in the overview', async () => {
    const { store } = await loadedStore();
    store.pushUsage({ runtime_id: '55555555-5555-4555-8555-555555555555', deltas: [hourDelta(3)] });
    frames[0]?.();
    const s = store.get();
    expect(s.detail?.usage.status === 'ready' && s.detail.usage.data.rows).toHaveLength(1);
    expect(s.detail?.usage.status === 'ready' && s.detail.usage.data.daily[0]?.input_tokens).toBe(10);
    const o = s.overview.status === 'ready' ? s.overview.data : null;
    // Same model: one row more of it; another runtime: a row of its own.
    expect(o?.models.map((r) => [r.key, r.input_tokens])).toEqual([['claude-sonnet-4-5', 13]]);
    expect(o?.runtimes.map((r) => [r.key, r.input_tokens])).toEqual([
      [RT, 10],
      ['55555555-5555-4555-8555-555555555555', 3],
    ]);
  });

  it('signs out with the reason when the hub refuses the token', async () => {
    vi.stubGlobal('fetch', fakeHub(401).fetch);
    const store = new Store(new MemoryStorage() as unknown as Storage);
    store.signIn('rh_m_revoked');
    await store.loadAll();
    expect(store.get().token).toBeNull();
    expect(store.get().signInMessage).toContain('refused this token (401)');
  });

  it('sends the bearer token and the viewer zone to the hub', async () => {
    const { hub } = await loadedStore();
    const headers = (hub.fetch.mock.calls[0]?.[1]?.headers ?? {}) as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer rh_m_test');
    expect(hub.calls).toContain('/api/usage?days=30&tz=UTC&group_by=model');
    expect(hub.calls).toContain('/api/usage?days=7&tz=UTC&group_by=runtime');
    expect(hub.calls.filter((c) => c.startsWith('/api/usage?') && !c.includes('group_by='))).toEqual([]);
    // The range per model, the days before it only per day (the comparison, the heatmap).
    expect(hub.calls).toContain(`/api/runtimes/${RT}/usage?days=7&tz=UTC`);
    expect(hub.calls).toContain(`/api/runtimes/${RT}/usage?days=182&tz=UTC&group_by=runtime`);
    expect(hub.calls).toContain(`/api/runtimes/${RT}/activity?days=7&tz=UTC`);
  });
});
