/**
 * The Chromium the dashboard benches open pages in: the tests' flags, plus the per-window UI of the new headless
 * mode turned off. Headless Chromium is a full browser, and each `newPage` opens a new window that builds its
 * own omnibox popup (a WebUI renderer compiling its scripts) while our page loads, on the same two cores. A user's
 * new tab (a link opened from chat) opens in a window that already has it, so that work is the harness's, not
 * the page's: bench/web-chrome-ui.ts measures it (BENCHMARKS.md, Session 6, hW). `BENCH_WINDOW_UI=1` keeps it on
 * (the harness of sessions 1–5).
 */
import { CHROMIUM_ARGS } from '../tests/helpers/browser';

export const NO_WINDOW_UI = '--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup';

export const BENCH_CHROMIUM_ARGS =
  process.env.BENCH_WINDOW_UI === '1' ? CHROMIUM_ARGS : [...CHROMIUM_ARGS, NO_WINDOW_UI];
