/** A number that pulses briefly when its value changes, so a live update is seen where it lands. */
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  value: number;
  format: (n: number) => string;
  /** Exact value for the title attribute (hover). */
  title?: string;
}

export function Num({ value, format, title }: Props) {
  const previous = useRef(value);
  const [pulse, setPulse] = useState(0);
  useEffect(() => {
    if (previous.current === value) return;
    previous.current = value;
    setPulse((n) => n + 1);
    const t = window.setTimeout(() => setPulse(0), 1200);
    return () => window.clearTimeout(t);
  }, [value]);
  // Alternating class names restart the CSS animation on back-to-back changes.
  const cls = pulse === 0 ? 'num' : pulse % 2 ? 'num pulse-a' : 'num pulse-b';
  return (
    <span class={cls} title={title} data-value={value}>
      {format(value)}
    </span>
  );
}
