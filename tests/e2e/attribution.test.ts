/**
 * "Where it went" and the filter chips in a real Chromium against a real hub: the panel lists projects, people
 * and sessions with their exact cost and tokens (usage without attribution under `(none)`, daily totals
 * included), follows live usage, and a filter clicked in it narrows the page's KPIs and lists, lives in the
 * address (× removes it, Back brings it back) and keeps out live usage of anything else.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime, UsageEvent } from '../../shared/schemas';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { ago, type DaemonSocket, daemon, data, ensureBuilt, event, numAt, SHOTS } from './support';

type Attr = Pick<UsageEvent, 'project' | 'user' | 'session_id'>;

/** A Sonnet 4.5 event ($3 input, $15 output per million) with its attribution. */
const sonnet = (id: string, counts: [number, number, number, number], attr: Attr, ts = ago(3_600_000)) => ({
  ...event(id, ts, 'claude-sonnet-4-5', counts),
  ...attr,
});

describe.skipIf(!hasChromium && process.env.CI !== 'true')('where it went, and filters', () => {
  let hub: TestHub;
  let browser: Browser;
  let ws: DaemonSocket;
  let one: Runtime;
  let two: Runtime;

  const send = async (runtime: Runtime, ...events: UsageEvent[]) =>
    data(await ws.emitWithAck('usage', { runtime_id: runtime.id, events }));

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    browser = await launchChromium();
    ws = await daemon(hub.url, hub.daemonToken);
    [one, two] = data(
      await ws.emitWithAck('hello', {
        daemon_id: randomUUID(),
        device_info: 'attr-box',
        runtimes: [
          { provider: 'claude', name: 'Attr One', runtime_mode: 'local' },
          { provider: 'codex', name: 'Attr Two', runtime_mode: 'local' },
        ],
      }),
    ).runtimes as [Runtime, Runtime];
    await send(
      one,
      sonnet('a1', [1000, 1000, 0, 0], { project: 'api', user: 'ana', session_id: 's1' }), // $0.018
      sonnet('w1', [0, 2000, 0, 0], { project: 'web', user: 'ana', session_id: 's3' }), // $0.03
      sonnet('n1', [5000, 0, 0, 0], {}), // $0.015, no attribution
    );
    await send(two, sonnet('b1', [2000, 0, 0, 0], { project: 'api', user: 'bob', session_id: 's2' })); // $0.006
    // The older daily-totals format names no project: it is (none) in every grouping. $0.0021
    const today = new Date().toISOString().slice(0, 10);
    const daily = await rest(`${hub.url}/api/daemon/runtimes/${one.id}/usage`, {
      token: hub.daemonToken,
      body: {
        entries: [{ date: today, provider: 'claude', model: 'claude-sonnet-4-5', ...counts(700) }],
      },
    });
    expect(daily.status).toBe(200);
  });

  afterAll(async () => {
    ws?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  function counts(input: number) {
    return { input_tokens: input, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
  }

  async function signedIn(hash = '#/', opts: Parameters<typeof newContext>[1] = {}): Promise<Page> {
    const page = await (await newContext(browser, opts)).newPage();
    await page.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await page.locator('[data-testid="online-count"]').waitFor();
    if (hash !== '#/') await page.goto(`${hub.url}/${hash}`);
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
    return page;
  }

  /** The rows of one column: key, cost and tokens, in the order shown. */
  const column = (page: Page, dim: string) =>
    page
      .locator(`.attr-col[data-dim="${dim}"] .attr-row`)
      .evaluateAll((rows) =>
        rows.map((r) => [
          r.getAttribute('data-key'),
          Number(r.getAttribute('data-cost')),
          Number(r.getAttribute('data-tokens')),
        ]),
      );
  const kpiTokens = (page: Page) => numAt(page, '[data-kpi="Tokens · 7 days"] .num');

  it('lists projects, people and sessions by cost with exact numbers, (none) included', async () => {
    const page = await signedIn();
    await expect
      .poll(() => column(page, 'project'))
      .toEqual([
        ['web', 0.03, 2000],
        ['api', 0.024, 4000],
        ['(none)', 0.0171, 5700],
      ]);
    expect(await column(page, 'user')).toEqual([
      ['ana', 0.048, 4000],
      ['(none)', 0.0171, 5700],
      ['bob', 0.006, 2000],
    ]);
    expect(await column(page, 'session')).toEqual([
      ['s3', 0.03, 2000],
      ['s1', 0.018, 2000],
      ['(none)', 0.0171, 5700],
      ['s2', 0.006, 2000],
    ]);
    // Shares of the total cost ($0.0711): web 42.2%.
    expect(
      await page
        .locator('.attr-col[data-dim="project"] .attr-row')
        .first()
        .locator('.attr-share')
        .textContent(),
    ).toBe('42.2%');
    await page.context().close();
  });

  it('adds live usage to the key it carries, and a new project as a row of its own', async () => {
    const page = await signedIn();
    await expect.poll(() => column(page, 'project')).toHaveLength(3);
    await send(
      two,
      sonnet(
        'b2',
        [1000, 0, 0, 0],
        { project: 'api', user: 'bob', session_id: 's2' },
        new Date().toISOString(),
      ),
    );
    await send(
      one,
      sonnet('d1', [0, 4000, 0, 0], { project: 'docs', user: 'ana' }, new Date().toISOString()),
    );
    await expect
      .poll(() => column(page, 'project'))
      .toEqual([
        ['docs', 0.06, 4000],
        ['web', 0.03, 2000],
        ['api', 0.027, 5000],
        ['(none)', 0.0171, 5700],
      ]);
    expect(await column(page, 'user')).toEqual([
      ['ana', 0.108, 8000],
      ['(none)', 0.0171, 5700],
      ['bob', 0.009, 3000],
    ]);
    // The page agrees with a fresh load.
    const fresh = await signedIn();
    await expect.poll(() => column(fresh, 'project')).toEqual(await column(page, 'project'));
    await fresh.context().close();
    await page.context().close();
  });

  it('narrows the page to a clicked project, keeps out live usage of others, and follows the address', async () => {
    const page = await signedIn();
    await expect.poll(() => column(page, 'project')).toHaveLength(4);
    const all = await kpiTokens(page);
    await page.locator('.attr-col[data-dim="project"] button.attr-name', { hasText: 'api' }).click();
    await expect.poll(() => page.url()).toContain('project=api');
    await page.locator('.chip[data-filter="project"]', { hasText: 'api' }).waitFor();
    // api: 4000 seeded + 1000 live.
    await expect.poll(() => kpiTokens(page)).toBe(5000);
    await expect.poll(() => column(page, 'project')).toEqual([['api', 0.027, 5000]]);
    expect(await column(page, 'user')).toEqual([
      ['ana', 0.018, 2000],
      ['bob', 0.009, 3000],
    ]);
    expect(await numAt(page, `[data-runtime-id="${one.id}"] .fig .num`)).toBe(2000);

    // Live: usage of another project changes nothing; the filtered project's does, everywhere.
    await send(one, sonnet('w2', [9000, 0, 0, 0], { project: 'web', user: 'ana' }, new Date().toISOString()));
    await send(
      one,
      sonnet(
        'a2',
        [100, 0, 0, 0],
        { project: 'api', user: 'ana', session_id: 's1' },
        new Date().toISOString(),
      ),
    );
    await expect.poll(() => kpiTokens(page)).toBe(5100);
    await expect.poll(() => column(page, 'project')).toEqual([['api', 0.0273, 5100]]);
    expect(await numAt(page, `[data-runtime-id="${one.id}"] .fig .num`)).toBe(2100);

    // × removes the filter (a step Back brings it back).
    await page.getByRole('button', { name: 'Remove filter project api' }).click();
    await expect.poll(() => page.url()).not.toContain('project=');
    await expect.poll(() => kpiTokens(page)).toBe(all + 9100);
    expect(await page.locator('.chip').count()).toBe(0);
    await page.goBack();
    await page.locator('.chip[data-filter="project"]', { hasText: 'api' }).waitFor();
    await expect.poll(() => kpiTokens(page)).toBe(5100);
    await page.context().close();
  });

  it('narrows to usage that names no project, daily totals included, with (none)', async () => {
    const page = await signedIn();
    await page.locator('.attr-col[data-dim="project"] [data-key="(none)"] button').click();
    await expect.poll(() => page.url()).toContain('project=(none)');
    // n1 5000 + the daily total 700.
    await expect.poll(() => kpiTokens(page)).toBe(5700);
    await expect.poll(() => column(page, 'project')).toEqual([['(none)', 0.0171, 5700]]);
    await page.context().close();
  });

  it('opens a runtime page narrowed by a link, and says the tasks chart is not', async () => {
    const page = await signedIn(`#/runtime/${one.id}?days=7&user=ana`);
    await page.locator('.chip[data-filter="user"]', { hasText: 'ana' }).waitFor();
    // ana on runtime one: a1, w1, d1, w2 and a2; input 1000 + 9000 + 100, output 1000 + 2000 + 4000.
    await expect.poll(() => numAt(page, '[data-kpi="Input"] .num')).toBe(10_100);
    expect(await numAt(page, '[data-kpi="Output"] .num')).toBe(7000);
    await expect.poll(() => column(page, 'user')).toEqual([['ana', 0.1353, 17_100]]);
    await page.locator('.panel[aria-label="Tasks by hour of day"]').getByText('not filtered').waitFor();
    // The way back keeps the filter.
    await page.getByRole('link', { name: '← All runtimes' }).click();
    await expect.poll(() => page.url()).toContain('user=ana');
    await page.context().close();
  });

  it('folds projects past the top 20 into other, live usage of a folded or new project included', async () => {
    const ws2 = await hub.newWorkspace('many');
    const d2 = await daemon(hub.url, ws2.daemonToken);
    try {
      const [rt] = data(
        await d2.emitWithAck('hello', {
          daemon_id: randomUUID(),
          device_info: 'many-box',
          runtimes: [{ provider: 'claude', name: 'Many', runtime_mode: 'local' }],
        }),
      ).runtimes as [Runtime];
      // p01 … p22: project n costs n × $0.003 (n × 1000 input tokens).
      const names = Array.from({ length: 22 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
      data(
        await d2.emitWithAck('usage', {
          runtime_id: rt.id,
          events: names.map((p, i) => sonnet(`m-${p}`, [(i + 1) * 1000, 0, 0, 0], { project: p })),
        }),
      );
      const page = await (await newContext(browser)).newPage();
      await page.goto(`${hub.url}/#token=${encodeURIComponent(ws2.memberToken)}`);
      await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
      // The top 8 by cost, then other = p01 + p02.
      await expect
        .poll(() => column(page, 'project'))
        .toEqual([
          ...names
            .slice(14)
            .reverse()
            .map((p) => [p, Number((Number(p.slice(1)) * 0.003).toFixed(3)), Number(p.slice(1)) * 1000]),
          ['other', 0.009, 3000],
        ]);
      await page.getByRole('button', { name: 'Show all 20' }).click();
      await expect.poll(() => column(page, 'project')).toHaveLength(21);

      const now = new Date().toISOString();
      data(
        await d2.emitWithAck('usage', {
          runtime_id: rt.id,
          events: [
            sonnet('late-p01', [100, 0, 0, 0], { project: 'p01' }, now),
            sonnet('late-new', [200, 0, 0, 0], { project: 'brand-new' }, now),
          ],
        }),
      );
      await expect.poll(async () => (await column(page, 'project')).at(-1)).toEqual(['other', 0.0099, 3300]);
      const fresh = await (await newContext(browser)).newPage();
      await fresh.goto(`${hub.url}/#token=${encodeURIComponent(ws2.memberToken)}`);
      await fresh.getByRole('button', { name: 'Show all 20' }).click();
      await expect.poll(() => column(fresh, 'project')).toEqual(await column(page, 'project'));
      await fresh.context().close();
      await page.context().close();
    } finally {
      d2.disconnect();
    }
  });

  it('saves screenshots of the panel and chips, light and dark, wide and narrow', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [width, height] of [
        [1400, 1000],
        [375, 800],
      ] as const) {
        const page = await signedIn('#/?user=ana', { width, height, colorScheme });
        await page.locator('.attr-row').first().waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.screenshot({
          path: join(SHOTS, `attribution-${width}-${colorScheme}.png`),
          fullPage: true,
        });
        await page.context().close();
      }
    }
  });
});
