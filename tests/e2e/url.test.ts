/**
 * The view follows the address both ways: an edited `?days=` or `?tz=` changes what is on screen, the range
 * buttons and the zone picker write the address, and Back / Forward step through the views.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ago, DAY, type DaemonSocket, daemon, data, ensureBuilt, event, helloClaude, numAt } from './support';

describe.skipIf(!hasChromium && process.env.CI !== 'true')('the address drives the view', () => {
  let hub: TestHub;
  let browser: Browser;
  let ws: DaemonSocket;
  let runtime: Runtime;
  let page: Page;

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    browser = await launchChromium();
    ws = await daemon(hub.url, hub.daemonToken);
    runtime = await helloClaude(ws, 'url-box', 'URL Runtime');
    // One event inside every range, one only inside the year.
    data(
      await ws.emitWithAck('usage', {
        runtime_id: runtime.id,
        events: [
          event('recent', ago(60_000), 'claude-sonnet-4-5', [100, 0, 0, 0]),
          event('old', ago(200 * DAY), 'claude-sonnet-4-5', [5000, 0, 0, 0]),
        ],
      }),
    );
    page = await (await newContext(browser)).newPage();
    await page.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await page.locator('[data-testid="online-count"]').waitFor();
  });

  afterAll(async () => {
    ws?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  const input = () => numAt(page, '[data-kpi="Input"] .num');
  const pressed = () => page.locator('.seg[aria-pressed="true"]').textContent();

  it('changes the range on screen when the link is edited, and back again with Back', async () => {
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=30`);
    await expect.poll(input).toBe(100);
    expect(await pressed()).toBe('30d');

    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=365`);
    await expect.poll(pressed).toBe('1y');
    await expect.poll(input).toBe(5100);

    await page.goBack();
    await expect.poll(pressed).toBe('30d');
    await expect.poll(input).toBe(100);
    await page.goForward();
    await expect.poll(pressed).toBe('1y');
    await expect.poll(input).toBe(5100);
  });

  it('regression: follows an address changed right after the first render, before the page listened for it', async () => {
    // The address changes in the same task as the first render (main.tsx marks `app-rendered` right after it),
    // so its hashchange fires before the app's effects have added their listener. Before the fix the overview
    // stayed on screen under the runtime's address.
    const late = await (await newContext(browser)).newPage();
    await late.addInitScript((href) => {
      const mark = performance.mark.bind(performance);
      performance.mark = ((name: string, options?: PerformanceMarkOptions) => {
        const entry = mark(name, options);
        if (name === 'app-rendered') location.hash = href;
        return entry;
      }) as typeof performance.mark;
    }, `#/runtime/${runtime.id}?days=30`);
    await late.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await expect.poll(() => late.url()).toContain(`/runtime/${runtime.id}`);
    await expect.poll(() => numAt(late, '[data-kpi="Input"] .num'), { timeout: 10_000 }).toBe(100);
    await late.close();
  });

  it('writes a range chosen on the page into the address, as a step Back undoes', async () => {
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=30`);
    await expect.poll(pressed).toBe('30d');
    await page.getByRole('button', { name: '7d' }).click();
    await expect.poll(() => page.url()).toContain('days=7');
    await page.goBack();
    await expect.poll(pressed).toBe('30d');
    expect(page.url()).toContain('days=30');
  });

  it('follows a zone named in the link and returns to the previous zone with Back', async () => {
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=30&tz=UTC`);
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('UTC');
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=30&tz=Asia/Tokyo`);
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('Asia/Tokyo');
    await page.goBack();
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('UTC');
  });

  it('offers a labelled, searchable zone picker with the browser zone first, and applies a picked zone', async () => {
    await page.goto(`${hub.url}/#/runtime/${runtime.id}?days=30&tz=UTC`);
    const picker = page.getByLabel('Time zone');
    const first = await page.locator('#zone-list option').first().getAttribute('value');
    expect(first).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
    await picker.fill('Europe/Paris');
    await expect.poll(() => page.url()).toContain('tz=Europe/Paris');
    await picker.fill('Eur');
    await picker.blur();
    await expect.poll(() => picker.inputValue()).toBe('Europe/Paris');
  });
});
