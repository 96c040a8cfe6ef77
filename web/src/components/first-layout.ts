/**
 * A new tab's renderer lays out text for the first time when the runtime page draws its charts: that first
 * layout also matches and loads the page's fonts and builds the style sheet's rules (≈ 5–6 ms in a fresh
 * renderer, 0.4 ms the second time), and the first canvas text sets up the canvas's font (≈ 1 ms, then 0.3).
 * While the page waits for its answers the main thread is idle, so main.tsx pays those first times there, on a
 * hidden copy of the page's kinds of text, instead of in the task that draws the charts (issue 15).
 */
import { CHART_FONT } from '../charts/options';

/** Text in each font the page's first frame uses: the title's weight, labels, controls. */
const SAMPLE = [
  '<main class="page">',
  '<h1 class="rt-title">Runtime <span class="tag">claude</span></h1>',
  '<p class="muted rt-sub">device · online, seen 1 min ago</p>',
  '<fieldset class="segmented"><button type="button" class="seg seg-on">90d</button></fieldset>',
  '<section class="panel"><header class="panel-head"><h2>Tokens per day</h2></header></section>',
  '</main>',
].join('');

export function layOutFirstText(): void {
  const box = document.createElement('div');
  box.setAttribute('aria-hidden', 'true');
  // Laid out (fonts are only loaded for text that is), never seen, and out of the page's flow.
  box.style.cssText = 'position:absolute;left:0;top:0;width:600px;visibility:hidden;pointer-events:none';
  box.innerHTML = SAMPLE;
  const canvas = document.createElement('canvas');
  canvas.width = 1;
  canvas.height = 1;
  box.append(canvas);
  document.body.append(box);
  void box.offsetWidth;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.font = CHART_FONT;
    ctx.fillText('0', 0, 0);
  }
  box.remove();
}
