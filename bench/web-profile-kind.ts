/**
 * Time to charts in a new tab of an off-the-record context (what the bench row opens: Playwright's newContext)
 * against a new tab of a browser profile on disk (launchPersistentContext, like a user's Chrome), loads taking
 * turns (which goes first alternating), both without Chromium's per-window UI (bench/web-chromium.ts). An off-the-record profile keeps no V8
 * code cache, so each new renderer compiles the dashboard's scripts from source; a profile on disk stores the
 * compiled code beside the cached script and later renderers read it.
 *
 * `npx tsx bench/web-profile-kind.ts [loads=15]`
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM, median, pollPage } from './scenarios/web';
import { BENCH_CHROMIUM_ARGS } from './web-chromium';
import { withWebSession } from './web-session';

function chartsDrawn(_: null): number | false {
  return performance.getEntriesByName('charts-drawn')[0]?.startTime ?? false;
}

async function main(): Promise<void> {
  const loads = Number(process.argv[2] ?? 15);
  const dir = mkdtempSync(join(tmpdir(), 'rh-profile-'));
  await withWebSession(async ({ url, runtimeId, signedIn }) => {
    const onDisk = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      args: BENCH_CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    try {
      const items = (await signedIn.storageState()).origins[0]?.localStorage ?? [];
      const setup = await onDisk.newPage();
      await setup.goto(`${url}/healthz`);
      await setup.evaluate((all) => {
        for (const { name, value } of all) localStorage.setItem(name, value);
      }, items);
      await setup.close();
      const kinds: [string, BrowserContext][] = [
        ['off the record (bench row)', signedIn],
        ['profile on disk', onDisk],
      ];
      const ms = new Map<string, number[]>();
      for (let i = -3; i < loads; i++) {
        // Which kind goes first alternates: a load right after another may find the machine warmer or busier.
        for (const [name, context] of i % 2 === 0 ? kinds : [...kinds].reverse()) {
          const page = await context.newPage();
          const tag = `n=${i}`;
          await page.goto(`${url}/?${tag}#/runtime/${runtimeId}?days=90`, { waitUntil: 'commit' });
          const t = await pollPage(page, chartsDrawn, null, tag);
          await page.close();
          if (i >= 0) ms.set(name, [...(ms.get(name) ?? []), t]);
        }
      }
      for (const [name, v] of ms) {
        const s = [...v].sort((a, b) => a - b);
        console.log(
          `${name.padEnd(28)} median ${median(v).toFixed(0)} ms  q1–q3 ${s[Math.floor(s.length / 4)]?.toFixed(0)}–${s[Math.floor((3 * s.length) / 4)]?.toFixed(0)}`,
        );
      }
      // The evidence that the profile kept compiled code: V8's code cache entries beside the cached scripts.
      const codeCache = join(dir, 'Default', 'Code Cache', 'js');
      const entries = existsSync(codeCache) ? readdirSync(codeCache).filter((f) => f !== 'index').length : 0;
      console.log(`profile on disk: ${entries} entries in its V8 code cache (Default/Code Cache/js)`);
    } finally {
      await onDisk.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

await main();
