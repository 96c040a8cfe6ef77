/** One shared one-second clock for every "12 s ago", instead of a timer per label. */
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<(now: number) => void>();
let timer: number | undefined;

function start(): void {
  timer = window.setInterval(() => {
    const now = Date.now();
    for (const l of listeners) l(now);
  }, 1000);
}

export function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    listeners.add(setNow);
    if (timer === undefined) start();
    return () => {
      listeners.delete(setNow);
      if (listeners.size === 0) {
        window.clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return now;
}
