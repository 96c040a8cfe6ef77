/**
 * Regression (issue 15, the hourly activity half) in Chromium: a task committed while the runtime page's refetch
 * (after a reconnect) is on its way back — the hub has read the activity answer, the task's push reaches the page
 * before the answer does — is counted exactly once, and a later status update of a task the answer counted is not
 * counted again. Before, the push went into the counts the answer replaced (lost), and the answer reset the page's
 * set of counted ids (the update counted twice). The test holds the activity answers itself (Playwright's route:
 * the hub's full answer, fulfilled later).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { runtimeHref } from '../../web/src/lib/route';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub } from '../helpers/hub';
import { eventually } from '../helpers/sockets';
import { type HeldAnswers, holdAnswers } from './held-answers';
import { type DaemonSocket, daemon, data, ensureBuilt, helloClaude } from './support';

describe.skipIf(!hasChromium && process.env.CI !== 'true')('task refetch race in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let ws: DaemonSocket;
  let runtime: Runtime;
  let page: Page;
  let activity: HeldAnswers;
  const created = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000).toISOString();

  const report = async (id: string, status: string) =>
    data(
      await ws.emitWithAck('task', {
        runtime_id: runtime.id,
        tasks: [{ id, status: status as 'queued', created_at: created }],
      }),
    );
  /** The tasks the page's hourly chart counts (the sum of its data table). */
  const shownOn = (p: Page) =>
    p.evaluate(() =>
      [...document.querySelectorAll('section[aria-label="Tasks by hour of day"] td.n')].reduce(
        (n, td) => n + Number((td.textContent ?? '').replace(/\D/g, '')),
        0,
      ),
    );
  const open = async (p: Page) => {
    await p.goto(`${hub.url}/#token=${encodeURIComponent(hub.memberToken)}`);
    await p.goto(`${hub.url}/${runtimeHref(runtime.id, 7, 'UTC')}`);
  };

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    browser = await launchChromium();
    ws = await daemon(hub.url, hub.daemonToken);
    runtime = await helloClaude(ws, 'task-race-box', 'Task Race Runtime');
    await report('a', 'queued');
    page = await (await newContext(browser)).newPage();
    activity = await holdAnswers(page, /\/api\/runtimes\/[^/]+\/activity\?/);
    await open(page);
    await eventually(async () => (await shownOn(page)) === 1, 15_000);
    await activity.firstLoadOver();
  });

  afterAll(async () => {
    ws?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  it('regression: a task committed during an in-flight refetch is counted once, and updates of counted tasks never again', async () => {
    activity.hold = true;
    // As the hub's resync does: the transport closes, the page reconnects by itself and refetches everything.
    for (const socket of hub.hub.io.of('/dashboard').sockets.values()) socket.conn.close();
    await expect.poll(() => activity.read, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // The hub has answered the activity; this commit is not in it. Its push reaches the page first.
    await report('b', 'queued');
    await expect.poll(() => shownOn(page), { timeout: 10_000 }).toBe(2);
    await activity.release();
    await page.waitForTimeout(500);
    expect(await shownOn(page)).toBe(2);

    // Status updates of tasks the answer counted.
    await report('a', 'running');
    await report('b', 'completed');
    await page.waitForTimeout(500);
    expect(await shownOn(page)).toBe(2);

    // And the page agrees with a fresh load of the database.
    const fresh = await (await newContext(browser)).newPage();
    await open(fresh);
    await expect.poll(() => shownOn(fresh), { timeout: 15_000 }).toBe(2);
  }, 60_000);
});
