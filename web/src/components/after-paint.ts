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
