/**
 * Do the runtime page's charts move after `charts-drawn`? For each viewport, the charts' boxes as the mark is set,
 * against the same a few seconds later (and, when they moved, the page's top-level blocks then and now), the plots'
 * canvas sizes as drawn for the mark against the settled ones (a plot built at a wrong width is redrawn), and a
 * screenshot of the settled page (for comparing two builds' final pages pixel for pixel).
 *
 * `npx tsx bench/web-frame-shift.ts <out-dir>` (serves web/dist: build first)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withWebSession } from './web-session';

const VIEWPORTS = [
  { width: 1400, height: 1000 },
  { width: 375, height: 800 },
  { width: 1000, height: 800 },
];

/**
 * Runs in the page before its scripts (a string: tsx's helpers do not exist there): the charts' boxes at the moment
 * the mark is set, which is before the frame it is set in is painted.
 */
const RECORD_AT_MARK = `
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return [r.x, r.y, r.width, r.height].map(Math.round).join(',');
  };
  window.boxes = () => [...document.querySelectorAll('.chart')].map(box);
  window.canvases = () => [...document.querySelectorAll('.chart canvas')].map((c) => c.width + 'x' + c.height);
  window.blocks = () => [...document.querySelectorAll('.page > *, .page-head > *')].map((e) => e.className + ' ' + box(e) + ' ' + e.getBoundingClientRect().height);
  const mark = performance.mark.bind(performance);
  performance.mark = (name, options) => {
    if (name === 'charts-drawn') {
      window.atMark = window.boxes();
      window.blocksAtMark = window.blocks();
      // The plots draw in microtasks queued before the mark: their canvases' sizes once they have.
      queueMicrotask(() => { window.canvasesAtMark = window.canvases(); });
    }
    return mark(name, options);
  };
`;

const out = process.argv[2] ?? '/tmp/frame-shift';
mkdirSync(out, { recursive: true });
await withWebSession(async ({ url, runtimeId, signedIn }) => {
  for (const viewport of VIEWPORTS) {
    const page = await signedIn.newPage();
    await page.setViewportSize(viewport);
    await page.addInitScript(RECORD_AT_MARK);
    await page.goto(`${url}/#/runtime/${runtimeId}?days=90`);
    await page.waitForFunction(() => (window as unknown as { atMark?: string[] }).atMark !== undefined);
    // Settled: the KPIs, the runtime, the panels below and the budgets' list have come by then.
    await page.waitForTimeout(4000);
    const [atMark, settled, canvasesAtMark, canvases] = await page.evaluate(() => {
      const w = window as unknown as {
        atMark: string[];
        boxes: () => string[];
        canvasesAtMark: string[];
        canvases: () => string[];
      };
      return [w.atMark, w.boxes(), w.canvasesAtMark, w.canvases()];
    });
    // A plot built at a width its box did not have is redrawn (ResizeObserver) before the paint: the same box, but
    // not the plot the mark was set for.
    const sameCanvases = JSON.stringify(canvasesAtMark) === JSON.stringify(canvases);
    console.log(
      `  plots as drawn for the mark ${JSON.stringify(canvasesAtMark)} ${sameCanvases ? 'same when settled' : `REDRAWN: settled ${JSON.stringify(canvases)}`}`,
    );
    const same = JSON.stringify(atMark) === JSON.stringify(settled);
    console.log(`${viewport.width}×${viewport.height}: charts at the mark ${JSON.stringify(atMark)}`);
    if (!same)
      console.log(
        await page.evaluate(() => {
          const w = window as unknown as { blocksAtMark: string[]; blocks: () => string[] };
          return [w.blocksAtMark, w.blocks()];
        }),
      );
    console.log(`  settled ${JSON.stringify(settled)} ${same ? 'same' : 'MOVED'}`);
    // The relative times ("12 s ago") and the live dot change by the second: hidden from the picture.
    await page.addStyleTag({ content: 'time, .conn-dot { visibility: hidden !important; }' });
    await page.screenshot({ path: join(out, `${viewport.width}.png`), fullPage: true });
    await page.close();
  }
});
