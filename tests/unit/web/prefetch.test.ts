import { afterEach, describe, expect, it, vi } from 'vitest';
import { discardPrefetched, prefetch, takePrefetched } from '../../../web/src/live/prefetch';

function stubFetch() {
  const calls: { url: string; auth: string | undefined }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, auth: (init?.headers as Record<string, string>)?.Authorization });
      return new Response(JSON.stringify([{ n: 1 }]), { status: 200 });
    }),
  );
  return calls;
}

afterEach(() => {
  discardPrefetched();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('early requests of boot.ts', () => {
  it('hands a prefetched answer, its JSON already parsed, to the first taker of the same path and token, once', async () => {
    const calls = stubFetch();
    prefetch('/api/runtimes/a/usage?days=182&tz=UTC', 'rh_m_1');
    expect(calls).toEqual([{ url: '/api/runtimes/a/usage?days=182&tz=UTC', auth: 'Bearer rh_m_1' }]);
    const early = takePrefetched('/api/runtimes/a/usage?days=182&tz=UTC', 'rh_m_1');
    expect((await early?.response)?.status).toBe(200);
    expect(await early?.body).toEqual([{ n: 1 }]);
    expect(takePrefetched('/api/runtimes/a/usage?days=182&tz=UTC', 'rh_m_1')).toBeUndefined();
  });

  it('never hands an answer to another path, another token, or after 5 s', () => {
    stubFetch();
    prefetch('/p?tz=UTC', 'rh_m_1');
    expect(takePrefetched('/p?tz=Europe%2FParis', 'rh_m_1')).toBeUndefined();
    expect(takePrefetched('/p?tz=UTC', 'rh_m_2')).toBeUndefined();
    const now = performance.now();
    prefetch('/q', 'rh_m_1');
    vi.spyOn(performance, 'now').mockReturnValue(now + 5001);
    expect(takePrefetched('/q', 'rh_m_1')).toBeUndefined();
  });

  it('drops what was not taken once the app has asked for its first data', () => {
    stubFetch();
    prefetch('/wrong-zone', 'rh_m_1');
    discardPrefetched();
    expect(takePrefetched('/wrong-zone', 'rh_m_1')).toBeUndefined();
  });

  it('keeps a failed request from surfacing as an unhandled rejection', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('network down'))),
    );
    prefetch('/down', 'rh_m_1');
    const early = takePrefetched('/down', 'rh_m_1');
    await expect(early?.response).rejects.toThrow('network down');
    expect(await early?.body).toBeUndefined();
  });
});
