/**
 * Issue 15: the runtime page's "Where it went" groups were asked for synchronously after the charts' answers were
 * set, inside the task that renders and draws the charts (three fetch calls, ~4 % of that task's CPU). They are
 * now asked once that frame has been painted (a timer where there is no page).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GroupedUsageRow, UsageRow } from '../../../shared/schemas';
import { localDate } from '../../../shared/time';
import { Store } from '../../../web/src/live/store';
import { MemoryStorage } from '../../helpers/memory-storage';

const RT = '11111111-1111-4111-8111-111111111111';
const today = localDate(Date.now(), 'UTC');
const counts = { input_tokens: 10, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
const usageRow: UsageRow = {
  runtime_id: RT,
  date: today,
  provider: 'claude',
  model: 'm',
  ...counts,
  cost_usd: 0.1,
};
const groupRow = (key: string): GroupedUsageRow => ({ date: today, key, ...counts, cost_usd: 0.1 });

function fakeHub() {
  const calls: string[] = [];
  const answer = (url: string): unknown => {
    if (url.includes('/activity')) return Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0 }));
    const by = /group_by=(\w+)/.exec(url)?.[1];
    if (by) return [groupRow(by)];
    return [usageRow];
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      calls.push(url);
      return new Response(JSON.stringify(answer(url)), { status: 200 });
    }),
  );
  return calls;
}

const panel = (url: string) => /group_by=(project|user|session)/.test(url);
const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * Opens the runtime page. `atCharts`: the requests made by the end of the task that set its usage (what the
 * charts' render, run in the microtasks after it, shared its time with); `all`: every request so far.
 */
async function openAndWatch(store: Store): Promise<{ atCharts: string[]; all: string[] }> {
  const all = fakeHub();
  const atCharts = await new Promise<string[]>((resolve) => {
    const off = store.subscribe(() => {
      if (store.get().detail?.usage.status !== 'ready') return;
      off();
      queueMicrotask(() => queueMicrotask(() => resolve([...all])));
    });
    store.signIn('rh_m_test');
    store.setTimeZone('UTC');
    store.openDetail(RT, 7);
  });
  return { atCharts, all };
}

afterEach(() => vi.unstubAllGlobals());

describe("the runtime page's groups wait for the charts' paint", () => {
  it('asks for none of them in the task that sets the charts’ answers, then for all three (no page: a timer)', async () => {
    const store = new Store(new MemoryStorage() as unknown as Storage);
    const { atCharts, all } = await openAndWatch(store);
    expect(atCharts.filter(panel)).toEqual([]);
    for (let i = 0; i < 5; i++) await tick();
    expect(all.filter(panel)).toHaveLength(3);
    expect(store.get().detail?.groups.user).toMatchObject({ status: 'ready', data: [{ key: 'user' }] });
  });

  it('in a page, asks for them only after the next animation frame has run', async () => {
    const frames: (() => void)[] = [];
    vi.stubGlobal('document', { hidden: false });
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    const store = new Store(new MemoryStorage() as unknown as Storage);
    const { atCharts, all } = await openAndWatch(store);
    expect(atCharts.filter(panel)).toEqual([]);
    for (let i = 0; i < 5; i++) await tick();
    expect(all.filter(panel)).toEqual([]);
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames.splice(0)) frame();
    for (let i = 0; i < 5; i++) await tick();
    expect(all.filter(panel)).toHaveLength(3);
  });
});
