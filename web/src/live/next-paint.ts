/**
 * A promise that settles once the browser has painted the frame being built now: work that must not sit in the
 * task that draws the charts (issue 15) waits for it. The store also runs without a page (Node, in tests) and in
 * hidden tabs, which get no animation frames: a timer then.
 */

/** A tab hidden after the frame was asked for gets none until it is shown: its work waits no longer than this. */
const HIDDEN_FALLBACK_MS = 250;

export function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof document === 'undefined' || document.hidden || typeof requestAnimationFrame !== 'function') {
      setTimeout(resolve, 0);
      return;
    }
    // A frame's callbacks run before its paint; a timer queued from one runs after it.
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, HIDDEN_FALLBACK_MS);
  });
}
