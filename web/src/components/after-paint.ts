/**
 * False on the first render, true once the browser has painted it: long tables (below the fold, or inside a
 * closed <details>) wait one paint, so the charts above them reach the screen first.
 */
import { useEffect, useState } from 'preact/hooks';

export function useAfterPaint(): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    // Effects run once the frame is painted; the timeout leaves that frame before rendering more.
    const t = window.setTimeout(() => setPainted(true), 0);
    return () => window.clearTimeout(t);
  }, []);
  return painted;
}

/**
 * False until `ready` has been true in a painted frame, then true for good: what a page draws one paint after
 * its first data (the charts first, the parts below or beside them a frame later).
 */
export function usePaintedWhen(ready: boolean): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    if (!ready || painted) return;
    const t = window.setTimeout(() => setPainted(true), 0);
    return () => window.clearTimeout(t);
  }, [ready, painted]);
  return painted;
}
