import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserZone, startZone } from '../../../web/src/live/state';
import { BROWSER_ZONE_KEY, TOKEN_KEY, TZ_KEY } from '../../../web/src/live/storage-keys';
import { Store } from '../../../web/src/live/store';
import { MemoryStorage } from '../../helpers/memory-storage';

const RT = '11111111-1111-4111-8111-111111111111';
const own = browserZone();
// A zone the test's browser zone is not, whatever the machine's is.
const elsewhere = own === 'Pacific/Auckland' ? 'Europe/Paris' : 'Pacific/Auckland';

function storage(entries: Record<string, string>): Storage {
  const s = new MemoryStorage();
  for (const [k, v] of Object.entries(entries)) s.setItem(k, v);
  return s as unknown as Storage;
}

/** Answers every REST call with an empty list; records the paths. */
function hub() {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      calls.push(url);
      return new Response('[]', { status: 200 });
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('the zone a page opens in, without Intl before its first charts', () => {
  it('opens in the browser zone as last seen, and learns it on a first visit', () => {
    expect(startZone(storage({ [BROWSER_ZONE_KEY]: elsewhere }), undefined)).toBe(elsewhere);
    const first = storage({});
    expect(startZone(first, undefined)).toBe(own);
    expect(first.getItem(BROWSER_ZONE_KEY)).toBe(own);
    expect(startZone(storage({ [BROWSER_ZONE_KEY]: elsewhere, [TZ_KEY]: 'UTC' }), undefined)).toBe('UTC');
    expect(startZone(storage({ [BROWSER_ZONE_KEY]: elsewhere }), 'Asia/Kolkata')).toBe('Asia/Kolkata');
  });

  it('moves to the browser zone when it changed since, and asks for the open page again in it', async () => {
    const calls = hub();
    const s = storage({ [TOKEN_KEY]: 'rh_m_test', [BROWSER_ZONE_KEY]: elsewhere });
    const store = new Store(s);
    expect(store.get().tz).toBe(elsewhere);
    store.openDetail(RT, 7);
    store.checkBrowserZone();
    expect(store.get().tz).toBe(own);
    expect(s.getItem(BROWSER_ZONE_KEY)).toBe(own);
    // The move is not a choice of the viewer's: nothing pins the zone.
    expect(s.getItem(TZ_KEY)).toBeNull();
    await vi.waitFor(() =>
      expect(calls).toContain(`/api/runtimes/${RT}/usage?days=7&tz=${encodeURIComponent(own)}`),
    );
  });

  it('stays in a zone the viewer chose, and asks nothing when the guess was right', () => {
    const calls = hub();
    const chosen = new Store(
      storage({ [TOKEN_KEY]: 'rh_m_test', [TZ_KEY]: elsewhere, [BROWSER_ZONE_KEY]: elsewhere }),
    );
    chosen.checkBrowserZone();
    expect(chosen.get().tz).toBe(elsewhere);
    const right = new Store(storage({ [TOKEN_KEY]: 'rh_m_test', [BROWSER_ZONE_KEY]: own }));
    right.checkBrowserZone();
    expect(right.get().tz).toBe(own);
    expect(calls).toEqual([]);
  });
});
