/**
 * The store under a filter: every usage load asks with it (the tasks do not: they name no project), a filter
 * change reloads, and live deltas outside the filter change nothing shown while matching ones reach the charts
 * and the "Where it went" panel alike.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupedUsageRow, UsageDelta, UsageRow } from '../../../shared/schemas';
import { localDate } from '../../../shared/time';
import { Store } from '../../../web/src/live/store';
import { MemoryStorage } from '../../helpers/memory-storage';

const RT = '11111111-1111-4111-8111-111111111111';
const today = localDate(Date.now(), 'UTC');

const counts = (input: number) => ({
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});
const usageRow: UsageRow = {
  runtime_id: RT,
  date: today,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  ...counts(10),
  cost_usd: 0.1,
};
const groupRow = (key: string): GroupedUsageRow => ({ date: today, key, ...counts(10), cost_usd: 0.1 });

function fakeHub() {
  const calls: string[] = [];
  const answer = (url: string): unknown => {
    if (url.includes('/activity')) return Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0 }));
    const by = /group_by=(\w+)/.exec(url)?.[1];
    const keys: Record<string, string> = {
      project: 'api',
      user: 'ana',
      session: 's1',
      model: 'claude-sonnet-4-5',
      runtime: RT,
    };
    if (by) return [groupRow(keys[by] ?? by)];
    if (url.includes('/usage')) return [usageRow];
    if (url.startsWith('/api/runtimes')) return [];
    return {};
  };
  const fetch = vi.fn(async (url: string) => {
    calls.push(url);
    return new Response(JSON.stringify(answer(url)), { status: 200 });
  });
  return { fetch, calls };
}

let frames: (() => void)[] = [];
beforeEach(() => {
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
});
afterEach(() => vi.unstubAllGlobals());

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

/** Signed in, filtered to project api, loaded; on the runtime page unless `overviewOnly`. */
async function filteredStore(overviewOnly = false) {
  const hub = fakeHub();
  vi.stubGlobal('fetch', hub.fetch);
  const store = new Store(new MemoryStorage() as unknown as Storage);
  store.signIn('rh_m_test');
  store.setTimeZone('UTC');
  store.setFilter({ project: 'api' });
  if (!overviewOnly) store.openDetail(RT, 7);
  await store.loadAll();
  await settle();
  return { store, hub };
}

const delta = (input: number, attr: { project?: string; user?: string } = {}): UsageDelta => ({
  hour: `${today}T00:00:00.000Z`,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  ...counts(input),
  cost_usd: input / 100,
  ...attr,
});

describe('the store under a filter', () => {
  it('asks every usage view with the filter, and the tasks without it', async () => {
    const { store, hub } = await filteredStore();
    expect(hub.calls).toContain('/api/usage?days=30&tz=UTC&project=api&group_by=model');
    expect(hub.calls).toContain('/api/usage?days=7&tz=UTC&project=api&group_by=runtime');
    expect(hub.calls).toContain(`/api/runtimes/${RT}/usage?days=7&tz=UTC&project=api`);
    expect(hub.calls).toContain(`/api/runtimes/${RT}/usage?days=182&tz=UTC&project=api&group_by=runtime`);
    expect(hub.calls).toContain(`/api/runtimes/${RT}/usage?days=7&tz=UTC&project=api&group_by=session`);
    expect(hub.calls).toContain(`/api/runtimes/${RT}/activity?days=7&tz=UTC`);
    store.closeDetail();
    await settle();
    expect(hub.calls).toContain('/api/usage?days=30&tz=UTC&project=api&group_by=user');
  });

  it("loads the runtime page's groupings, and the overview's only once the runtime page closes", async () => {
    const { store, hub } = await filteredStore();
    expect(store.get().detail?.groups.user).toMatchObject({ status: 'ready', data: [{ key: 'ana' }] });
    expect(store.get().overviewGroups.project.status).toBe('loading');
    const panel = (c: string) => c.startsWith('/api/usage?') && /group_by=(project|user|session)/.test(c);
    expect(hub.calls.filter(panel)).toEqual([]);
    store.closeDetail();
    await settle();
    expect(store.get().overviewGroups.project).toMatchObject({ status: 'ready', data: [{ key: 'api' }] });
    expect(hub.calls.filter(panel)).toHaveLength(3);
  });

  it('ignores a live delta of another project and merges one of the filtered project everywhere', async () => {
    const { store } = await filteredStore();
    const before = store.get();
    store.pushUsage({ runtime_id: RT, deltas: [delta(5, { project: 'web', user: 'ana' })] });
    store.pushUsage({
      runtime_id: RT,
      deltas: [{ date: today, provider: 'claude', model: 'm', ...counts(9) }],
    });
    frames.shift()?.();
    const s = store.get();
    expect(s.overview).toBe(before.overview);
    expect(s.detail).toBe(before.detail);
    // The runtime still reported: it is not "quiet", whatever the page shows.
    expect(s.lastDeltaAt[RT]).toBeTypeOf('number');

    store.pushUsage({ runtime_id: RT, deltas: [delta(5, { project: 'api', user: 'ana' })] });
    frames.shift()?.();
    const t = store.get();
    expect(t.overview.status === 'ready' && t.overview.data.models[0]?.input_tokens).toBe(15);
    expect(t.overview.status === 'ready' && t.overview.data.runtimes[0]?.input_tokens).toBe(15);
    expect(t.detail?.usage.status === 'ready' && t.detail.usage.data.rows[0]?.input_tokens).toBe(15);
    expect(t.detail?.usage.status === 'ready' && t.detail.usage.data.daily[0]?.input_tokens).toBe(15);
    const users = t.detail?.groups.user;
    expect(users?.status === 'ready' && users.data).toEqual([
      { ...groupRow('ana'), ...counts(15), cost_usd: 0.15, unpriced_tokens: 0 },
    ]);
    const sessions = t.detail?.groups.session;
    // The hub listed every session (no `other`), so a delta without one is a new (none) group.
    expect(sessions?.status === 'ready' && sessions.data.map((r) => [r.key, r.input_tokens])).toEqual([
      ['s1', 10],
      ['(none)', 5],
    ]);
  });

  it("merges matching live deltas into the overview's panel, and only those", async () => {
    const { store } = await filteredStore(true);
    store.pushUsage({ runtime_id: RT, deltas: [delta(5, { project: 'web', user: 'ana' })] });
    store.pushUsage({ runtime_id: RT, deltas: [delta(7, { project: 'api', user: 'bob' })] });
    frames.shift()?.();
    const users = store.get().overviewGroups.user;
    expect(users.status === 'ready' && users.data.map((r) => [r.key, r.input_tokens, r.cost_usd])).toEqual([
      ['ana', 10, 0.1],
      ['bob', 7, 0.07],
    ]);
  });

  it('reloads everything with the new filter when it changes, and shows loading meanwhile', async () => {
    const { store, hub } = await filteredStore();
    const n = hub.calls.length;
    store.setFilter({ project: 'api' });
    expect(hub.calls.length).toBe(n);
    store.setFilter({ user: 'ana' });
    expect(store.get().overview.status).toBe('loading');
    expect(store.get().detail?.groups.project.status).toBe('loading');
    await settle();
    expect(hub.calls.slice(n)).toContain('/api/usage?days=30&tz=UTC&user=ana&group_by=model');
    expect(hub.calls.slice(n)).toContain(`/api/runtimes/${RT}/usage?days=7&tz=UTC&user=ana&group_by=project`);
    expect(store.get().overview.status).toBe('ready');
    expect(store.get().detail?.groups.project.status).toBe('ready');
  });

  it('before the first load, only records the filter the first load will use', async () => {
    const hub = fakeHub();
    vi.stubGlobal('fetch', hub.fetch);
    const store = new Store(new MemoryStorage() as unknown as Storage);
    store.signIn('rh_m_test');
    store.setFilter({ session: 's1' });
    expect(hub.calls).toEqual([]);
  });
});
