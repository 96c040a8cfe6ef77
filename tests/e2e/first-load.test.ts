/**
 * How the runtime page opens: its history fetches start before the app's first render (boot.ts, run first by
 * main.tsx), each is made once, in the viewer's zone or the one the link names, and the charts are drawn
 * before the panels below them. Read from the page's own resource timing and marks.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ago, DAY, type DaemonSocket, daemon, data, ensureBuilt, event, helloClaude, numAt } from './support';

interface Load {
  usage: { path: string; startMs: number }[];
  /** The runtime's per-day totals (group_by=runtime): the comparison period and the heatmap. */
  daily: string[];
  activity: string[];
  appRenderedMs: number;
  chartsDrawnMs: number;
}

/** The page's REST history requests and marks once it is live (late duplicates would have started by then). */
async function readLoad(page: Page): Promise<Load> {
  await page.waitForFunction(() => performance.getEntriesByName('charts-drawn').length > 0);
  await page.locator('.conn[data-connection="live"]').waitFor();
  return page.evaluate(() => {
    const mark = (name: string) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? -1;
    // The first load's fetches: once the socket is live the open page is fetched again on purpose (see
    // Store.loadAll), so what starts after that is not part of opening the page.
    const live = mark('hub-live');
    const resources = performance
      .getEntriesByType('resource')
      .map((r) => ({ path: r.name.replace(location.origin, ''), startMs: r.startTime }))
      .filter((r) => r.startMs < live);
    return {
      // The per-model history (the 'Where it went' panel's grouped calls come after the charts, on purpose).
      usage: resources.filter(
        (r) => /^\/api\/runtimes\/[^/]+\/usage\?/.test(r.path) && !r.path.includes('group_by='),
      ),
      daily: resources
        .filter((r) => /^\/api\/runtimes\/[^/]+\/usage\?.*group_by=runtime/.test(r.path))
        .map((r) => r.path),
      activity: resources.filter((r) => /\/activity\?/.test(r.path)).map((r) => r.path),
      appRenderedMs: mark('app-rendered'),
      chartsDrawnMs: mark('charts-drawn'),
    };
  });
}

describe.skipIf(!hasChromium && process.env.CI !== 'true')('the runtime page on first load', () => {
  let hub: TestHub;
  let browser: Browser;
  let ws: DaemonSocket;
  let runtime: Runtime;
  let context: BrowserContext;

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    browser = await launchChromium();
    ws = await daemon(hub.url, hub.daemonToken);
    runtime = await helloClaude(ws, 'first-load-box', 'First Load');
    data(
      await ws.emitWithAck('usage', {
        runtime_id: runtime.id,
        events: [
          event('today', ago(60_000), 'claude-sonnet-4-5', [100, 0, 0, 0]),
          event('older', ago(40 * DAY), 'claude-opus-4-5', [20, 0, 0, 0]),
        ],
      }),
    );
    context = await newContext(browser, { timezoneId: 'America/New_York' });
    const signIn = await context.newPage();
    await signIn.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await signIn.locator('[data-testid="online-count"]').waitFor();
    await signIn.close();
  });

  afterAll(async () => {
    ws?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  it("starts the page's history fetches before the app's first render, once each, in the viewer's zone", async () => {
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    const load = await readLoad(page);
    const id = encodeURIComponent(runtime.id);
    // 90 days per model; 182 days summed per day by the hub: the previous 90 for the comparison, 26 weeks for
    // the heatmap.
    expect(load.usage.map((u) => u.path)).toEqual([
      `/api/runtimes/${id}/usage?days=90&tz=America%2FNew_York`,
    ]);
    expect(load.daily).toEqual([`/api/runtimes/${id}/usage?days=182&tz=America%2FNew_York&group_by=runtime`]);
    expect(load.activity).toEqual([`/api/runtimes/${id}/activity?days=90&tz=America%2FNew_York`]);
    expect(load.appRenderedMs).toBeGreaterThan(0);
    expect(load.usage[0]!.startMs).toBeLessThan(load.appRenderedMs);
    // Drawn by the first render when the answers were in by then, else by the next.
    expect(load.chartsDrawnMs).toBeGreaterThan(load.usage[0]!.startMs);
    expect(await numAt(page, '[data-kpi="Input"] .num')).toBe(120);
    await page.close();
  });

  // Regression: zod probed for eval (`new Function`) at the first body it parsed; the CSP forbids it, so every
  // load raised a violation on its way to the charts.
  it('draws the charts without a CSP violation (zod-probe-for-eval)', async () => {
    const page = await context.newPage();
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
          `${e.violatedDirective} ${e.blockedURI}`,
        );
      });
    });
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await readLoad(page);
    expect(await numAt(page, '[data-kpi="Input"] .num')).toBe(120);
    expect(violations).toEqual([]);
    await page.close();
  });

  // Regression: useStore missed a change made between a render and its subscription (the effect after the
  // paint), and the charts waited for an unrelated update. Since main.tsx draws answers that are already in with
  // the first render, this load takes that path; it still pins that nothing else need change the store.
  it('draws the charts from answers that came before the page subscribed to the store (they waited for another change)', async () => {
    const page = await context.newPage();
    // The bundle arrives late, so the early answers are in and parsed when it runs.
    await page.route(/\/assets\/index-[\w-]+\.js$/, async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    // Without the live connection nothing else changes the store: those answers must be seen on their own.
    await page.route(/\/assets\/socket-[\w-]+\.js$/, () => undefined);
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await page.waitForFunction(() => performance.getEntriesByName('charts-drawn').length > 0, null, {
      timeout: 10_000,
    });
    expect(await numAt(page, '[data-kpi="Input"] .num')).toBe(120);
    expect(await page.locator('.conn').getAttribute('data-connection')).toBe('connecting');
    await page.close();
  });

  it("starts the fetch with the link's filter, so the page asks for the same path and takes it", async () => {
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90&project=api`);
    const load = await readLoad(page);
    const id = encodeURIComponent(runtime.id);
    expect(load.usage.map((u) => u.path)).toEqual([
      `/api/runtimes/${id}/usage?days=90&tz=America%2FNew_York&project=api`,
    ]);
    expect(load.usage[0]!.startMs).toBeLessThan(load.appRenderedMs);
    await page.close();
  });

  it('draws the heatmap and the model legend after the charts, from their own chunks', async () => {
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await readLoad(page);
    await page.locator('.heatmap .hm-cell.hm-today').waitFor();
    // Two chunks loaded side by side once the page is painted: either may draw first.
    await page.locator('.legend-table').waitFor();
    const legend = await page.locator('.legend-table tbody tr').allTextContents();
    expect(legend).toHaveLength(2);
    expect(legend[0]).toContain('Sonnet 4.5');
    const chunks = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((r) => new URL(r.name).pathname)
        .filter((p) => /\/assets\/(Heatmap|Donut)-[\w-]+\.js$/.test(p)),
    );
    expect(chunks).toHaveLength(2);
    await page.close();
  });

  it('draws the charts in a frame of their own, the KPIs, heatmap, where it went and the table a paint later', async () => {
    const page = await context.newPage();
    // What the page holds at the instant it sets the mark the bench reads.
    await page.addInitScript(() => {
      const mark = performance.mark.bind(performance);
      performance.mark = (name: string, options?: PerformanceMarkOptions) => {
        if (name === 'charts-drawn')
          (window as unknown as { atMark: unknown }).atMark = {
            charts: [...document.querySelectorAll('.chart')].map(
              (c) => `${c.getAttribute('aria-label')}: ${c.querySelectorAll('.uplot').length}`,
            ),
            panels: [...document.querySelectorAll('.panel')].map((p) => p.getAttribute('aria-label')),
            kpis: document.querySelectorAll('[data-kpi]').length,
            kpisLoading: document.querySelectorAll('.kpis-loading').length,
            heatmap: document.querySelectorAll('.heatmap').length,
            table: document.querySelectorAll('.panel-wide table').length,
          };
        return mark(name, options);
      };
    });
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await readLoad(page);
    expect(await page.evaluate(() => (window as unknown as { atMark: unknown }).atMark)).toEqual({
      // This workspace reports no tasks: the hourly panel says so instead of drawing a chart.
      charts: ['Tokens per day, stacked by kind: 1', 'Cost per day in US dollars, with the 7-day average: 1'],
      // The panels below the charts, even as skeletons, come with the rest.
      panels: ['Tokens per day', 'Cost per day', 'Tasks by hour of day'],
      kpis: 0,
      kpisLoading: 1,
      heatmap: 0,
      table: 0,
    });
    await page.locator('[data-kpi="Input"] .num').waitFor();
    await page.locator('.heatmap .hm-cell.hm-today').waitFor();
    await page.locator('.panel-wide table').waitFor();
    expect(await page.locator('.kpis-loading').count()).toBe(0);
    await page.close();
  });

  // Regression (charts-drawn-before-the-plots-painted): the mark was set right after the plots were built, before
  // the microtask in which uPlot paints its canvases, so the bench timed charts that were not on their canvases yet.
  it('sets charts-drawn once every plot has painted its canvas', async () => {
    const page = await context.newPage();
    await page.addInitScript(`
      const mark = performance.mark.bind(performance);
      performance.mark = (name, options) => {
        if (name === 'charts-drawn')
          window.paintedAtMark = [...document.querySelectorAll('.chart canvas')].map((c) => {
            const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
            return c.width > 0 && painted > 0;
          });
        return mark(name, options);
      };
    `);
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await readLoad(page);
    expect(
      await page.evaluate(() => (window as unknown as { paintedAtMark: boolean[] }).paintedAtMark),
    ).toEqual([true, true]);
    await page.close();
  });

  // Issue 15: a new tab's first text layout (fonts, the style sheet's rules) and first canvas text cost ~6 ms; the
  // page pays them while it waits for its answers instead of in the task that draws the charts.
  it('lays out its kinds of text once, hidden, while it waits for late answers, and leaves nothing behind', async () => {
    const page = await context.newPage();
    await page.route(/\/api\/runtimes\/[^/]+\/usage\?days=90&/, async (route) => {
      await new Promise((r) => setTimeout(r, 400));
      await route.continue();
    });
    await page.addInitScript(`
      window.warmed = [];
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective));
      new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes)
            if (n.nodeType === 1 && n.getAttribute('aria-hidden') === 'true' && n.querySelector('canvas'))
              window.warmed.push({
                at: performance.now(),
                hidden: n.style.visibility === 'hidden',
                before: performance.getEntriesByName('app-rendered').length === 0,
                text: n.textContent.includes('Tokens per day'),
              });
      }).observe(document, { childList: true, subtree: true });
    `);
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await readLoad(page);
    const warmed = await page.evaluate(() => (window as unknown as { warmed: unknown[] }).warmed);
    expect(warmed).toEqual([{ at: expect.any(Number), hidden: true, before: true, text: true }]);
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    // Taken out again in the same task: the page holds only its own elements.
    expect(await page.locator('body > div[aria-hidden="true"]').count()).toBe(0);
    expect(await page.locator('.chart .uplot').count()).toBe(2);
    await page.close();
  });

  // Regression (charts-move-when-the-frame-arrives): the KPI row's placeholder was one row of cards high on every
  // width (three rows at 375 px) and the runtime's line under the title came only with the live connection, so the
  // charts drawn at the mark moved down by 38 px at 1400 px wide and by 246 px at 375 px when the rest arrived.
  it('keeps the charts where they were drawn when the rest of the page arrives, wide and narrow', async () => {
    for (const viewport of [
      { width: 1400, height: 1000 },
      { width: 375, height: 800 },
    ]) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      const boxes = `() => [...document.querySelectorAll('.chart')].map((c) => {
        const r = c.getBoundingClientRect();
        return [r.x, r.y, r.width, r.height].map(Math.round).join(',');
      })`;
      // A string: the page has none of the test runner's helpers.
      // Every frame for 3 s after the mark: a passing move counts too.
      await page.addInitScript(`
        const mark = performance.mark.bind(performance);
        performance.mark = (name, options) => {
          if (name === 'charts-drawn') {
            window.atMark = (${boxes})();
            window.framesAfter = new Set();
            const until = performance.now() + 3000;
            const sample = () => {
              window.framesAfter.add((${boxes})().join(' '));
              if (performance.now() < until) requestAnimationFrame(sample);
            };
            requestAnimationFrame(sample);
          }
          return mark(name, options);
        };
      `);
      await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
      await readLoad(page);
      await page.locator('[data-kpi="Input"] .num').waitFor();
      await page.locator('.panel-wide table').waitFor();
      await page.locator('.rt-sub time').waitFor();
      const atMark = await page.evaluate(() => (window as unknown as { atMark: string[] }).atMark);
      expect(atMark).toHaveLength(2);
      await expect.poll(() => page.evaluate(`(${boxes})()`), { timeout: 5000 }).toEqual(atMark);
      // Regression (budgets-skeleton-moves-the-charts): the budgets' panel, above the charts, came with the live
      // connection as a skeleton and went when no budget counted this runtime: the charts moved down by 204–263 px
      // and back. No frame after the mark may show them elsewhere.
      await page.waitForTimeout(3100);
      const frames = await page.evaluate(() => [
        ...(window as unknown as { framesAfter: Set<string> }).framesAfter,
      ]);
      expect(frames).toEqual([atMark.join(' ')]);
      await page.close();
    }
  });

  // Regression: the page's first fetch answered before the socket joined the workspace's room, so a usage
  // committed in between reached the page by neither, and it stayed short until a reconnect.
  it('shows a usage committed between its first fetch and the live connection', async () => {
    const page = await context.newPage();
    let releaseSocket: () => void = () => {};
    const socketHeld = new Promise<void>((resolve) => {
      releaseSocket = resolve;
    });
    await page.route(/\/assets\/socket-[\w-]+\.js$/, async (route) => {
      await socketHeld;
      await route.continue();
    });
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90`);
    await page.waitForFunction(() => performance.getEntriesByName('charts-drawn').length > 0);
    const before = await numAt(page, '[data-kpi="Input"] .num');
    data(
      await ws.emitWithAck('usage', {
        runtime_id: runtime.id,
        events: [event(`gap-${randomUUID()}`, ago(30_000), 'claude-sonnet-4-5', [7, 0, 0, 0])],
      }),
    );
    releaseSocket();
    await page.locator('.conn[data-connection="live"]').waitFor();
    await page.waitForFunction(
      (expected) =>
        document.querySelector('[data-kpi="Input"] .num')?.getAttribute('data-value') === expected,
      String(before + 7),
      { timeout: 10_000 },
    );
    expect(await numAt(page, '[data-kpi="Input"] .num')).toBe(before + 7);
    await page.close();
  });

  it('fetches the history once, in the zone a link names, when the saved zone differs (it was fetched twice)', async () => {
    const setup = await context.newPage();
    await setup.goto(`${hub.url}/#/`);
    await setup.evaluate(() => localStorage.setItem('runtime-hub.tz', 'UTC'));
    await setup.close();
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=90&tz=Asia/Tokyo`);
    const load = await readLoad(page);
    const id = encodeURIComponent(runtime.id);
    expect(load.usage.map((u) => u.path)).toEqual([`/api/runtimes/${id}/usage?days=90&tz=Asia%2FTokyo`]);
    expect(load.daily).toEqual([`/api/runtimes/${id}/usage?days=182&tz=Asia%2FTokyo&group_by=runtime`]);
    expect(load.activity).toEqual([`/api/runtimes/${id}/activity?days=90&tz=Asia%2FTokyo`]);
    // The zone of the link becomes the viewer's choice, as picking it on the page does.
    expect(await page.evaluate(() => localStorage.getItem('runtime-hub.tz'))).toBe('Asia/Tokyo');
    await page.close();
  });
});
