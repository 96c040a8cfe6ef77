/**
 * Regression (issue 15) in Chromium: a usage committed while the page's refetch (after a reconnect) is on its way
 * back — the hub has read the answer, its push reaches the page before the answer does — is counted exactly once.
 * Before, the push went into the figures the answer then replaced, and the figure lost it until the next reload.
 * The test holds the page's usage answers itself (Playwright's route: the hub's full answer, fulfilled later).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { eventually } from '../helpers/sockets';
import { type HeldAnswers, holdAnswers } from './held-answers';
import { type DaemonSocket, daemon, data, ensureBuilt, event, helloClaude, numAt } from './support';

describe.skipIf(!hasChromium && process.env.CI !== 'true')('refetch race in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let ws: DaemonSocket;
  let runtime: Runtime;
  let page: Page;
  let usage: HeldAnswers;

  const send = async (id: string, input: number) =>
    data(
      await ws.emitWithAck('usage', {
        runtime_id: runtime.id,
        events: [
          event(id, new Date(Date.now() - 60_000).toISOString(), 'claude-sonnet-4-5', [input, 0, 0, 0]),
        ],
      }),
    );
  const figure = () => numAt(page, `[data-runtime-id="${runtime.id}"] .fig .num`);

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    browser = await launchChromium();
    ws = await daemon(hub.url, hub.daemonToken);
    runtime = await helloClaude(ws, 'race-box', 'Race Runtime');
    await send('r0', 100);
    page = await (await newContext(browser)).newPage();
    usage = await holdAnswers(page, /\/api\/(usage|runtimes\/[^/]+\/usage)\?/);
    await page.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await eventually(async () => (await figure()) === 100, 15_000);
    await usage.firstLoadOver();
  });

  afterAll(async () => {
    ws?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  it('regression: a delta committed during an in-flight refetch is counted exactly once', async () => {
    usage.hold = true;
    // As the hub's resync does: the transport closes, the page reconnects by itself and refetches everything.
    for (const socket of hub.hub.io.of('/dashboard').sockets.values()) socket.conn.close();
    await expect.poll(() => usage.read, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // The hub has answered the overview's two usage calls; this commit is in neither.
    await send('r1', 7);
    // Its push reaches the page (merged into the figures the answers will replace) before the answers do.
    await expect.poll(figure, { timeout: 10_000 }).toBe(107);
    await usage.release();
    await page.waitForTimeout(500);
    expect(await figure()).toBe(107);
    // And the page agrees with a fresh load of the database.
    const fresh = await (await newContext(browser)).newPage();
    await fresh.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await expect.poll(() => numAt(fresh, `[data-runtime-id="${runtime.id}"] .fig .num`)).toBe(107);
  }, 60_000);
});
