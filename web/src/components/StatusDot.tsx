/** The online/offline/unknown dot of a runtime, with its word for screen readers and colour-blind viewers. */
import type { ShownStatus } from '../lib/presence';

export function StatusDot({ status }: { status: ShownStatus }) {
  return (
    <span
      class={`dot dot-${status}`}
      title={status === 'unknown' ? 'unknown: the hub is not reachable' : status}
    >
      <span class="sr-only">{status}</span>
    </span>
  );
}
