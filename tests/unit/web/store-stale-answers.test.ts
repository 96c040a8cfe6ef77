import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GroupedUsageRow } from '../../../shared/schemas';
import { Store } from '../../../web/src/live/store';
import { MemoryStorage } from '../../helpers/memory-storage';

const row = (key: string): GroupedUsageRow => ({
  date: '2026-11-30',
  key,
  input_tokens: 1,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: null,
});

/** A hub whose answers are held until the test releases them, by URL. */
function heldHub() {
  const held = new Map<string, (body: unknown) => void>();
  vi.stubGlobal(
    'fetch',
    vi.fn(
      (url: string) =>
        new Promise<Response>((resolve) =>
          held.set(url, (body) => resolve(new Response(JSON.stringify(body), { status: 200 }))),
        ),
    ),
  );
  const release = async (url: string, body: unknown) => {
    const answer = held.get(url);
    if (!answer) throw new Error(`no request for ${url}; made: ${[...held.keys()].join(', ')}`);
    answer(body);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { release };
}

afterEach(() => vi.unstubAllGlobals());

describe('the store drops answers that are no longer wanted', () => {
  it('shows the answer to the latest overview request when an earlier one arrives last', async () => {
    const hub = heldHub();
    const store = new Store(new MemoryStorage() as unknown as Storage);
    store.signIn('rh_m_test');
    store.setTimeZone('UTC');
    store.setTimeZone('Europe/Berlin');
    await hub.release('/api/usage?days=30&tz=Europe%2FBerlin&group_by=model', [row('latest')]);
    await hub.release('/api/usage?days=7&tz=Europe%2FBerlin&group_by=runtime', [row('latest runtime')]);
    await hub.release('/api/usage?days=30&tz=UTC&group_by=model', [row('earlier')]);
    await hub.release('/api/usage?days=7&tz=UTC&group_by=runtime', [row('earlier runtime')]);
    const overview = store.get().overview;
    expect(overview.status === 'ready' && overview.data.models.map((r) => r.key)).toEqual(['latest']);
    expect(overview.status === 'ready' && overview.data.runtimes.map((r) => r.key)).toEqual([
      'latest runtime',
    ]);
  });

  it('drops an overview answer of a session that signed out, even after a new sign-in', async () => {
    const hub = heldHub();
    const store = new Store(new MemoryStorage() as unknown as Storage);
    store.setTimeZone('UTC'); // signed out: loads nothing
    store.signIn('rh_m_first');
    void store.loadOverview();
    store.signOut();
    store.signIn('rh_m_second');
    await hub.release('/api/usage?days=30&tz=UTC&group_by=model', [row('of the first session')]);
    await hub.release('/api/usage?days=7&tz=UTC&group_by=runtime', [row('of the first session')]);
    expect(store.get().overview).toEqual({ status: 'loading' });
  });
});
