/**
 * The dashboard in a real Chromium against a real hub: sign-in by link, totals drawn from seeded daemon data,
 * a live `usage` event changing the page without a reload, tenant isolation, and a refused token. Screenshots
 * of both pages (light/dark, 1280/375 px) go to test-results/ for a human look.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ago, DAY, type DaemonSocket, daemon, data, ensureBuilt, event, numAt, SHOTS } from './support';

// In CI a missing browser is a failure, not a skip (.ci/run installs Debian's Chromium).
describe.skipIf(!hasChromium && process.env.CI !== 'true')('dashboard in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let ws1: DaemonSocket;
  let ws2: DaemonSocket;
  let claude: Runtime;
  let codex: Runtime;
  let otherToken: string;

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(SHOTS, { recursive: true });
    hub = await startTestHub();
    browser = await launchChromium();

    ws1 = await daemon(hub.url, hub.daemonToken);
    const hello = data(
      await ws1.emitWithAck('hello', {
        daemon_id: randomUUID(),
        device_info: 'e2e-box (linux x64)',
        runtimes: [
          {
            provider: 'claude',
            name: 'E2E Claude',
            runtime_mode: 'local',
            metadata: { scan: { files: 3, lines: 120, events: 4, duplicates: 1, skipped: 2 } },
          },
          { provider: 'codex', name: 'E2E Codex', runtime_mode: 'cloud' },
        ],
      }),
    );
    [claude, codex] = hello.runtimes as [Runtime, Runtime];
    data(
      await ws1.emitWithAck('usage', {
        runtime_id: claude.id,
        events: [
          event('a1', ago(60_000), 'claude-sonnet-4-5', [1000, 2000, 30_000, 400]),
          event('a2', ago(DAY), 'claude-opus-4-5', [5000, 1000, 0, 0]),
          event('a3', ago(3 * DAY), 'mystery-model', [700, 300, 0, 0]),
        ],
      }),
    );
    data(
      await ws1.emitWithAck('usage', {
        runtime_id: codex.id,
        events: [{ ...event('b1', ago(60_000), 'gpt-5', [2000, 500, 8000, 0]), provider: 'codex' }],
      }),
    );
    data(
      await ws1.emitWithAck('task', {
        runtime_id: claude.id,
        tasks: [
          { id: 't1', status: 'completed', created_at: ago(2 * 3_600_000) },
          { id: 't2', status: 'completed', created_at: ago(26 * 3_600_000) },
          { id: 't3', status: 'running', created_at: ago(5 * 60_000) },
        ],
      }),
    );

    const other = await hub.newWorkspace('other');
    otherToken = other.memberToken;
    ws2 = await daemon(hub.url, other.daemonToken);
    const [secret] = data(
      await ws2.emitWithAck('hello', {
        daemon_id: randomUUID(),
        device_info: 'other-box',
        runtimes: [{ provider: 'claude', name: 'Other Workspace Runtime', runtime_mode: 'local' }],
      }),
    ).runtimes as [Runtime];
    data(
      await ws2.emitWithAck('usage', {
        runtime_id: secret.id,
        events: [event('s1', ago(60_000), 'other-secret-model', [99_999, 0, 0, 0])],
      }),
    );
  });

  afterAll(async () => {
    ws1?.disconnect();
    ws2?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  async function signedIn(token: string, opts: Parameters<typeof newContext>[1] = {}): Promise<Page> {
    const ctx = await newContext(browser, opts);
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/#token=${encodeURIComponent(token)}`);
    return page;
  }

  it('signs in from a #token= link, strips it from the URL and lists the runtimes with their totals', async () => {
    const page = await signedIn(hub.memberToken);
    await page.locator('[data-testid="online-count"]').getByText('2/2 online').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => localStorage.getItem('runtime-hub.token'))).toBe(hub.memberToken);

    const claudeRow = `[data-runtime-id="${claude.id}"]`;
    await page.locator(`${claudeRow} .fig .num`).first().waitFor();
    // 1000+2000+30000+400 + 5000+1000 + 700+300
    expect(await numAt(page, `${claudeRow} .fig .num`)).toBe(40_400);
    expect(await numAt(page, `[data-runtime-id="${codex.id}"] .fig .num`)).toBe(10_500);
    // sonnet $0.0435 + opus $0.05; the mystery model has no price
    expect(await page.locator(`${claudeRow} .fig .num`).nth(1).getAttribute('data-value')).toBe('0.0935');
    expect(await numAt(page, '[data-kpi="Tokens · 7 days"] .num')).toBe(50_900);
    await expect.poll(() => page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
    await page.context().close();
  });

  it('asks for the overview grouped per model and per runtime (never per runtime × model), with exact totals', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/usage') asked.push(`${url.pathname}${url.search}`);
    });
    await page.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    // "Where it went" is asked last: once it is drawn, every usage call of the page has been made.
    for (const dim of ['project', 'user', 'session'])
      await page.locator(`.attr-col[data-dim="${dim}"] .attr-row`).first().waitFor();
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
    expect(asked.sort()).toEqual([
      '/api/usage?days=30&tz=UTC&group_by=model',
      '/api/usage?days=30&tz=UTC&group_by=project',
      '/api/usage?days=30&tz=UTC&group_by=session',
      '/api/usage?days=30&tz=UTC&group_by=user',
      '/api/usage?days=7&tz=UTC&group_by=runtime',
    ]);
    // Seeded: claude 1000+2000+30000+400 + 5000+1000 + 700+300, codex 2000+500+8000.
    expect(await numAt(page, '[data-kpi="Tokens · 7 days"] .num')).toBe(50_900);
    // sonnet $0.0435 + opus $0.05 + gpt-5 $0.0085 (2000 × $1.25/M + 500 × $10/M + 8000 × $0.125/M).
    expect(await page.locator('[data-kpi="Cost · 7 days"] .num').getAttribute('data-value')).toBe('0.102');
    expect(await numAt(page, `[data-runtime-id="${claude.id}"] .fig .num`)).toBe(40_400);
    expect(await numAt(page, `[data-runtime-id="${codex.id}"] .fig .num`)).toBe(10_500);

    // A live delta reaches both groupings exactly: the workspace's KPIs (per model) and its runtime (per runtime).
    data(
      await ws1.emitWithAck('usage', {
        runtime_id: codex.id,
        events: [
          { ...event('ov-live', new Date().toISOString(), 'gpt-5', [1000, 0, 0, 0]), provider: 'codex' },
        ],
      }),
    );
    await expect.poll(() => numAt(page, '[data-kpi="Tokens · 7 days"] .num')).toBe(51_900);
    await expect.poll(() => numAt(page, `[data-runtime-id="${codex.id}"] .fig .num`)).toBe(11_500);
    expect(await page.locator('[data-kpi="Cost · 7 days"] .num').getAttribute('data-value')).toBe('0.10325');
    expect(await numAt(page, `[data-runtime-id="${claude.id}"] .fig .num`)).toBe(40_400);
    expect(asked).toHaveLength(5);
    await ctx.close();
  });

  it('draws the runtime page with KPIs, charts, heatmap, models and data quality', async () => {
    const page = await signedIn(hub.memberToken);
    await page.goto(`${hub.url}/#/runtime/${claude.id}`);
    await page.locator('[data-kpi="Input"] .num').waitFor();
    expect(await numAt(page, '[data-kpi="Input"] .num')).toBe(6700);
    expect(await numAt(page, '[data-kpi="Output"] .num')).toBe(3300);
    expect(await numAt(page, '[data-kpi="Cache read"] .num')).toBe(30_000);
    expect(await numAt(page, '[data-kpi="Cache write"] .num')).toBe(400);
    expect(await numAt(page, '[data-kpi="Cost"] .num')).toBe(0.0935);
    // 30000 / (6700 + 30000)
    expect(await numAt(page, '[data-kpi="Cache hit rate"] .num')).toBeCloseTo(30_000 / 36_700, 12);
    // Tokens, cost and hourly charts are uPlot canvases.
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(3);
    const hourly = await page
      .locator('.panel[aria-label="Tasks by hour of day"] tbody td.n')
      .allTextContents();
    expect(hourly).toHaveLength(24);
    expect(hourly.reduce((sum, t) => sum + Number(t), 0)).toBe(3);
    // The heatmap and the model legend are drawn one paint after the charts (their own chunks).
    await page.locator('.heatmap .hm-cell').first().waitFor();
    await page.locator('.legend-table').waitFor();
    expect(await page.locator('.hm-cell.hm-today').count()).toBe(1);
    expect(await page.locator('.heatmap .hm-cell').count()).toBeGreaterThanOrEqual(85);
    const legend = await page.locator('.legend-table tbody tr').allTextContents();
    expect(legend[0]).toContain('Sonnet 4.5');
    expect(await page.locator('.legend-table tbody tr .model-cell').first().getAttribute('title')).toBe(
      'claude-sonnet-4-5',
    );
    expect(legend).toHaveLength(3);
    await page.getByText('cost unknown for model').waitFor();
    await page.locator('.stat', { hasText: 'skipped' }).getByText('2').waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByText('Download CSV').click(),
    ]);
    const csv = readFileSync((await download.path()) as string, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toBe(
      'runtime_id,date,provider,model,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd',
    );
    expect(csv.slice(1).map((l) => l.split(',')[3])).toEqual([
      'claude-sonnet-4-5',
      'claude-opus-4-5',
      'mystery-model',
    ]);
    await page.context().close();
  });

  it('adds a live usage event to the page within a second, without a reload', async () => {
    const page = await signedIn(hub.memberToken);
    await page.goto(`${hub.url}/#/runtime/${claude.id}`);
    await page.locator('[data-kpi="Input"] .num').waitFor();
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });
    const before = await numAt(page, '[data-kpi="Input"] .num');

    const seen = page.waitForFunction(
      (want) =>
        document.querySelector('[data-kpi="Input"] .num')?.getAttribute('data-value') === String(want),
      before + 100_000,
      { timeout: 1000 },
    );
    data(
      await ws1.emitWithAck('usage', {
        runtime_id: claude.id,
        events: [event('live-1', new Date().toISOString(), 'claude-sonnet-4-5', [100_000, 0, 0, 0])],
      }),
    );
    await seen;
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    // The cost follows with the hub's price table: + 100000 × $3 / 1M.
    await expect.poll(() => numAt(page, '[data-kpi="Cost"] .num')).toBe(0.3935);

    // A new task lands in the hourly distribution once, however many status updates it gets.
    const hourlySum = async () =>
      (await page.locator('.panel[aria-label="Tasks by hour of day"] tbody td.n').allTextContents()).reduce(
        (sum, t) => sum + Number(t),
        0,
      );
    const tasksBefore = await hourlySum();
    const task = { id: 'live-task', status: 'running' as const, created_at: new Date().toISOString() };
    data(await ws1.emitWithAck('task', { runtime_id: claude.id, tasks: [task] }));
    data(await ws1.emitWithAck('task', { runtime_id: claude.id, tasks: [{ ...task, status: 'completed' }] }));
    await expect.poll(hourlySum).toBe(tasksBefore + 1);
    await page.waitForTimeout(300);
    expect(await hourlySum()).toBe(tasksBefore + 1);

    // The overview of the same page follows too.
    await page.goto(`${hub.url}/#/`);
    await page.locator(`[data-runtime-id="${claude.id}"] .fig .num`).first().waitFor();
    expect(await numAt(page, `[data-runtime-id="${claude.id}"] .fig .num`)).toBe(140_400);
    await page.context().close();
  });

  it('shows a new runtime live and flips it offline when its daemon goes away', async () => {
    const page = await signedIn(hub.memberToken);
    await page.locator('[data-testid="online-count"]').getByText('2/2 online').waitFor();
    const extra = await daemon(hub.url, hub.daemonToken);
    const [fresh] = data(
      await extra.emitWithAck('hello', {
        daemon_id: randomUUID(),
        device_info: 'late-box',
        runtimes: [{ provider: 'claude', name: 'Late Runtime', runtime_mode: 'local' }],
      }),
    ).runtimes as [Runtime];
    const row = page.locator(`[data-runtime-id="${fresh.id}"]`);
    await row.getByText('Late Runtime').waitFor({ timeout: 2000 });
    await page.locator('[data-testid="online-count"]').getByText('3/3 online').waitFor();
    extra.disconnect();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('offline');
    await page.locator('[data-testid="online-count"]').getByText('2/3 online').waitFor();
    await page.context().close();
  });

  it('refetches over REST after a reconnect, so usage sent while away is not lost', async () => {
    const page = await signedIn(hub.memberToken);
    const claudeTokens = `[data-runtime-id="${claude.id}"] .fig .num`;
    await page.locator(claudeTokens).first().waitFor();
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
    const before = await numAt(page, claudeTokens);

    hub.hub.io.of('/dashboard').disconnectSockets();
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('reconnecting');
    data(
      await ws1.emitWithAck('usage', {
        runtime_id: claude.id,
        events: [event('while-away', new Date().toISOString(), 'claude-sonnet-4-5', [0, 1234, 0, 0])],
      }),
    );
    await expect
      .poll(() => page.locator('.conn').getAttribute('data-connection'), { timeout: 10_000 })
      .toBe('live');
    await expect.poll(() => numAt(page, claudeTokens)).toBe(before + 1234);
    await page.context().close();
  });

  it("shows nothing of another workspace's runtimes or usage", async () => {
    const page = await signedIn(otherToken);
    await page.locator('[data-testid="online-count"]').getByText('1/1 online').waitFor();
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('Other Workspace Runtime');
    expect(text).not.toContain('E2E Claude');
    expect(text).not.toContain('E2E Codex');
    expect(await numAt(page, '[data-kpi="Tokens · 7 days"] .num')).toBe(99_999);

    // Live events of the first workspace never reach this one.
    await expect.poll(() => page.locator('.conn').getAttribute('data-connection')).toBe('live');
    data(
      await ws1.emitWithAck('usage', {
        runtime_id: claude.id,
        events: [event('live-2', new Date().toISOString(), 'claude-sonnet-4-5', [5, 0, 0, 0])],
      }),
    );
    await page.waitForTimeout(700);
    expect(await numAt(page, '[data-kpi="Tokens · 7 days"] .num')).toBe(99_999);

    // Its runtime pages are not found either.
    await page.goto(`${hub.url}/#/runtime/${claude.id}`);
    await page.getByText('This runtime does not exist in your workspace').waitFor();
    await page.context().close();
  });

  it('explains a refused token on the sign-in page', async () => {
    const page = await signedIn('rh_m_not-a-real-token');
    await page.getByRole('alert').getByText('refused this token').waitFor();
    await page.getByLabel('Member token').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('runtime-hub.token'))).toBeNull();
    await page.context().close();
  });

  it('saves screenshots of both pages, light and dark, wide and narrow', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1280, 375]) {
        const page = await signedIn(hub.memberToken, { width, colorScheme });
        await page.locator('.chart canvas').first().waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.screenshot({ path: join(SHOTS, `overview-${width}-${colorScheme}.png`), fullPage: true });
        await page.goto(`${hub.url}/#/runtime/${claude.id}`);
        await expect.poll(() => page.locator('.chart canvas').count()).toBe(3);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.screenshot({ path: join(SHOTS, `runtime-${width}-${colorScheme}.png`), fullPage: true });
        await page.context().close();
      }
    }
  });
});
