/**
 * Names from daemons are text, never markup: runtimes, device info, models, scan statistics and a workspace named
 * like HTML/script payloads, RTL and emoji strings are shown literally on the overview and the runtime page in a
 * real Chromium, and none of the payloads runs (a chart tooltip is drawn on that page too).
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../shared/schemas';
import { hasChromium, launchChromium, newContext } from '../helpers/browser';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { ago, type DaemonSocket, daemon, data, ensureBuilt, event } from './support';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '"><script>window.__pwned=1</script>';
const SVG = '<svg/onload=window.__pwned=1>';
const IFRAME = '<iframe src="javascript:window.__pwned=1"></iframe>';
const RTL = '\u202Eevil.exe\u202C مرحبا שלום';
const EMOJI = '👩‍💻 agent 🚀🇺🇦';
const MODEL = '<img src=x onerror=window.__pwned=1>-model';
/** Scan keys are shown with `_` as spaces: this one has none, and would open a dialog if it ran. */
const SCAN_KEY = '<svg/onload=alert(1)>';

describe.skipIf(!hasChromium && process.env.CI !== 'true')('names rendered as text in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let socket: DaemonSocket;
  let ws: TestWorkspace;
  let runtimes: Runtime[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    browser = await launchChromium();
    ws = await hub.newWorkspace(`${IMG} workspace`);
    socket = await daemon(hub.url, ws.daemonToken);
    runtimes = data(
      await socket.emitWithAck('hello', {
        daemon_id: randomUUID(),
        device_info: `${IFRAME} ${RTL}`,
        runtimes: [
          {
            provider: 'claude',
            name: IMG,
            runtime_mode: 'local',
            metadata: { scan: { [SCAN_KEY]: 3, files: 2 } },
          },
          { provider: 'codex', name: SCRIPT, runtime_mode: 'cloud' },
          { provider: 'gemini', name: RTL, runtime_mode: 'local' },
          { provider: SVG, name: EMOJI, runtime_mode: 'local' },
        ],
      }),
    ).runtimes;
    data(
      await socket.emitWithAck('usage', {
        runtime_id: runtimes[0]!.id,
        events: [
          event('m1', ago(60_000), MODEL, [1000, 2000, 0, 0]),
          { ...event('m2', ago(60_000), SCRIPT, [500, 0, 0, 0]), provider: SVG },
        ],
      }),
    );
  });

  afterAll(async () => {
    socket?.disconnect();
    await browser?.close();
    await hub?.destroy();
  });

  async function signedIn(): Promise<Page> {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (dialog) => {
      pageErrors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${hub.url}/#token=${encodeURIComponent(ws.memberToken)}`);
    return page;
  }

  /** No payload ran and none became an element. */
  async function expectInert(page: Page): Promise<void> {
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(
      await page.evaluate(
        () => document.querySelectorAll('img[src="x"], svg[onload], iframe, script:not([src])').length,
      ),
    ).toBe(0);
    expect(pageErrors).toEqual([]);
  }

  it('shows every hostile runtime name, device and the workspace name literally on the overview', async () => {
    const page = await signedIn();
    for (const r of runtimes) {
      const row = page.locator(`[data-runtime-id="${r.id}"]`);
      await row.waitFor();
      expect(await row.locator('.rt-name').textContent()).toBe(r.name);
      expect(await row.locator('.device').textContent()).toBe(`${IFRAME} ${RTL}`);
    }
    await page.locator('.workspace').getByText(`${IMG} workspace`, { exact: true }).waitFor();
    await expectInert(page);
    await page.context().close();
  });

  it('shows the runtime page title, device, models and scan keys literally, and runs none of them', async () => {
    const page = await signedIn();
    const [first] = runtimes;
    await page.goto(`${hub.url}/#/runtime/${first!.id}`);
    await page.locator('[data-kpi="Input"] .num').waitFor();
    await expect.poll(() => page.locator('h1.rt-title').textContent()).toContain(IMG);
    await expect.poll(() => page.locator('.rt-sub').textContent()).toContain(`${IFRAME} ${RTL}`);
    // The donut and its legend are drawn after the charts (a chunk loaded once the page has been painted).
    const legend = () => page.locator('.legend-table tbody tr').allTextContents();
    await expect.poll(async () => (await legend()).some((row) => row.includes(MODEL))).toBe(true);
    expect((await legend()).some((row) => row.includes(SCRIPT))).toBe(true);
    expect((await page.locator('.stat dt').allTextContents()).sort()).toEqual([SCAN_KEY, 'files'].sort());
    expect(await page.locator('.unpriced').textContent()).toContain(MODEL);
    // Hover the tokens chart: its tooltip is built too, and nothing runs.
    const over = page.locator('.chart .u-over').first();
    const box = (await over.boundingBox())!;
    const shownTip = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.chart-tip')]
          .map((t) => (t.hidden ? '' : t.textContent))
          .join(''),
      );
    for (let x = box.width - 2; x > 0 && !(await shownTip()); x -= Math.max(1, box.width / 40)) {
      await page.mouse.move(box.x + x, box.y + box.height / 2);
    }
    expect(await shownTip()).toContain('Total');
    await expectInert(page);

    for (const r of runtimes.slice(1)) {
      await page.goto(`${hub.url}/#/runtime/${r.id}`);
      await expect.poll(() => page.locator('h1.rt-title').textContent()).toContain(r.name);
      await expectInert(page);
    }
    await page.context().close();
  });
});
