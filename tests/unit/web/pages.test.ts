/**
 * The dashboard's runtime page reads every page of the runtime's default usage rows (Link rel="next", issue 19):
 * a window that needs two pages is shown whole, in order, at the first page's snapshot.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { USAGE_SNAPSHOT_HEADER } from '../../../shared/snapshot';
import { createApi } from '../../../web/src/live/api';
import { nextLink } from '../../../web/src/live/pages';
import { discardPrefetched } from '../../../web/src/live/prefetch';

const RUNTIME = '0b7e6a52-6f3c-4d8e-a1b2-3c4d5e6f7a8b';
const row = (date: string, model: string) => ({
  runtime_id: RUNTIME,
  date,
  provider: 'claude',
  model,
  input_tokens: 1,
  output_tokens: 2,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: null,
});

afterEach(() => {
  discardPrefetched();
  vi.unstubAllGlobals();
});

describe('paged usage rows on the dashboard', () => {
  it('reads the Link header rel="next" target, ignoring other relations', () => {
    expect(nextLink('</api/usage?days=30&before=2026-11-20>; rel="next"')).toBe(
      '/api/usage?days=30&before=2026-11-20',
    );
    expect(nextLink('</a?x=1,2>; rel="prev", </b>; rel=next')).toBe('/b');
    expect(nextLink('</a>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  it('follows rel="next" until the runtime\'s window is complete (a window of two pages)', async () => {
    const first = `/api/runtimes/${RUNTIME}/usage?days=365&tz=UTC`;
    const second = `${first}&before=2026-06-01`;
    const answers: Record<string, { rows: unknown[]; headers: Record<string, string> }> = {
      [first]: {
        rows: [row('2026-11-30', 'a'), row('2026-06-01', 'b')],
        headers: { link: `<${second}>; rel="next"`, [USAGE_SNAPSHOT_HEADER]: '100:104:101' },
      },
      [second]: { rows: [row('2026-05-31', 'c')], headers: { [USAGE_SNAPSHOT_HEADER]: '120:120:' } },
    };
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url);
        const a = answers[url]!;
        return new Response(JSON.stringify(a.rows), {
          status: 200,
          headers: { 'content-type': 'application/json', ...a.headers },
        });
      }),
    );
    const answer = await createApi('rh_m_1').runtimeUsage(RUNTIME, 365, 'UTC');
    expect(asked).toEqual([first, second]);
    expect(answer.data.map((r) => `${r.date}/${r.model}`)).toEqual([
      '2026-11-30/a',
      '2026-06-01/b',
      '2026-05-31/c',
    ]);
    expect(answer.next).toBeNull();
    // The first page's snapshot: it holds the newest days, where live pushes land.
    expect(answer.snapshot).not.toBeNull();
    expect(answer.snapshot).toEqual((await import('../../../shared/snapshot')).parseSnapshot('100:104:101'));
  });
});
