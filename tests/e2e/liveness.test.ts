/**
 * Honest liveness on a wall screen: "seen" follows the daemon's heartbeats while it stays connected, and when
 * the hub goes away a banner says so, no runtime reads "online" from stale data, and a hub back on the same
 * address brings the page back without a reload. The hub heartbeats every 2 s here so a minute proves it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { RUNTIMES_REFRESH_MS } from '../../web/src/live/socket';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type DaemonSocket, daemon, data, ensureBuilt, event, helloClaude, numAt } from './support';

const HEARTBEAT_MS = 2000;
/** The oldest "seen" a connected daemon may show: one client refresh after one hub heartbeat, plus slack. */
const FRESH_MS = RUNTIMES_REFRESH_MS + HEARTBEAT_MS + 3000;

describe.skipIf(!hasChromium && process.env.CI !== 'true')('liveness in Chromium', () => {
  let hub: TestHub;
  let revived: TestHub | undefined;
  let browser: Browser;
  let ws: DaemonSocket;
  let runtime: Runtime;
  let page: Page;

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub({ config: { PRESENCE_HEARTBEAT_MS: HEARTBEAT_MS } });
    browser = await launchChromium();
    ws = await daemon(hub.url, hub.daemonToken);
    runtime = await helloClaude(ws, 'wall-box', 'Wall Runtime');
    data(
      await ws.emitWithAck('usage', {
        runtime_id: runtime.id,
        events: [event('w1', new Date().toISOString(), 'claude-sonnet-4-5', [100, 0, 0, 0])],
      }),
    );
    page = await (await newContext(browser)).newPage();
    await page.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await page.locator('[data-testid="online-count"]').getByText('1/1 online').waitFor();
  });

  afterAll(async () => {
    ws?.disconnect();
    await browser?.close();
    await revived?.stop();
    await hub?.destroy();
  });

  const row = () => page.locator(`[data-runtime-id="${runtime.id}"]`);
  const seenAge = async () =>
    Date.now() - Date.parse((await row().locator('time').getAttribute('datetime')) ?? '');

  it('keeps "seen" of a connected daemon fresh for over a minute', async () => {
    let oldest = 0;
    for (const end = Date.now() + 65_000; Date.now() < end; ) {
      oldest = Math.max(oldest, await seenAge());
      await page.waitForTimeout(1000);
    }
    expect(oldest).toBeLessThanOrEqual(FRESH_MS);
    expect(await row().getAttribute('data-status')).toBe('online');
  }, 90_000);

  it('says the hub is lost within 5 s of its death, dims the figures and shows no runtime online', async () => {
    const killedAt = Date.now();
    await hub.stop();
    await page.getByTestId('hub-lost').waitFor({ timeout: 5000 });
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(await page.getByTestId('hub-lost').textContent()).toContain('Hub unreachable since');
    expect(await row().getAttribute('data-status')).toBe('unknown');
    expect(await page.locator('[data-status="online"], .dot-online').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(/\bonline\b/);
    expect(await page.locator('.shell-stale').count()).toBe(1);
  });

  it('refetches everything and drops the banner when the hub is back', async () => {
    revived = await startTestHub({ databaseUrl: hub.databaseUrl, config: { PORT: hub.port } });
    ws.disconnect();
    ws = await daemon(revived.url, hub.daemonToken);
    data(
      await ws.emitWithAck('hello', {
        daemon_id: runtime.daemon_id,
        device_info: 'wall-box',
        runtimes: [{ provider: 'claude', name: 'Wall Runtime', runtime_mode: 'local' }],
      }),
    );
    data(
      await ws.emitWithAck('usage', {
        runtime_id: runtime.id,
        events: [event('w2', new Date().toISOString(), 'claude-sonnet-4-5', [0, 23, 0, 0])],
      }),
    );
    await page.getByTestId('hub-lost').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => row().getAttribute('data-status'), { timeout: 5000 }).toBe('online');
    await expect.poll(() => numAt(page, `[data-runtime-id="${runtime.id}"] .fig .num`)).toBe(123);
    expect(await page.locator('.shell-stale').count()).toBe(0);
  }, 30_000);
});
