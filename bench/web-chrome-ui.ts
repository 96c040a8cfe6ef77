/**
 * What Chromium's own window UI costs the bench's new tab: in headless Chromium (the new headless mode, a full
 * browser) every `newPage` opens a new window, and each window builds its top-chrome WebUI (the omnibox popup,
 * a renderer compiling its scripts) while our page loads, on the same two cores. A user's new tab (a link opened
 * from chat) opens in a window that already has them. Loads taking turns between the bench's browser and one
 * launched with those WebUIs disabled; per kind the median time to charts, blank page and floor (first paint of a
 * page without script).
 *
 * `npx tsx bench/web-chrome-ui.ts [loads=15]`
 */
import { type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/helpers/browser';
import { CHROMIUM, median, pollPage } from './scenarios/web';
import { NO_WINDOW_UI } from './web-chromium';
import { withWebSession } from './web-session';

function markOrPaint(name: string | null): number | false {
  const entry = name
    ? performance.getEntriesByName(name, 'mark')[0]
    : performance.getEntriesByName('first-contentful-paint')[0];
  return entry?.startTime ?? false;
}

async function main(): Promise<void> {
  const loads = Number(process.argv[2] ?? 15);
  // withWebSession's own browser only signs in; the two compared are launched alike, one without the flag.
  await withWebSession(async ({ url, runtimeId, signedIn }) => {
    const on = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const off = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, NO_WINDOW_UI] });
    try {
      const viewport = { viewport: { width: 1280, height: 900 } };
      const state = await signedIn.storageState();
      const browsers: [string, BrowserContext, BrowserContext][] = [];
      for (const [name, b] of [
        ['window UI on (sessions 1–5)', on],
        ['window UI off (bench now)', off],
      ] as const)
        browsers.push([
          name,
          await b.newContext({ ...viewport, storageState: state }),
          await b.newContext(viewport),
        ]);
      const pages: [string, (i: number) => string, string | null, 0 | 1][] = [
        ['floor', (i) => `${url}/healthz?n=${i}`, null, 1],
        ['blank', (i) => `${url}/?n=${i}`, 'app-rendered', 1],
        ['charts', (i) => `${url}/?n=${i}#/runtime/${runtimeId}?days=90`, 'charts-drawn', 0],
      ];
      const ms = new Map<string, number[]>();
      for (let i = -2; i < loads; i++)
        for (const [page, address, mark, ctx] of pages)
          for (const b of browsers) {
            const tab = await (ctx === 0 ? b[1] : b[2]).newPage();
            await tab.goto(address(i), { waitUntil: 'commit' });
            const t = await pollPage(tab, markOrPaint, mark, `n=${i}`);
            await tab.close();
            const key = `${page.padEnd(7)} ${b[0]}`;
            if (i >= 0) ms.set(key, [...(ms.get(key) ?? []), t]);
          }
      for (const [k, v] of ms)
        console.log(
          `${k.padEnd(48)} median ${median(v).toFixed(0).padStart(5)} ms  q1–q3 ${[...v].sort((a, b) => a - b)[Math.floor(v.length / 4)]?.toFixed(0)}–${[...v].sort((a, b) => a - b)[Math.floor((3 * v.length) / 4)]?.toFixed(0)}`,
        );
    } finally {
      await on.close();
      await off.close();
    }
  });
}

await main();
