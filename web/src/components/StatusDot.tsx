/** The online/offline dot of a runtime, with its word for screen readers and colour-blind viewers. */
import type { Runtime } from '../../../shared/schemas';

export function StatusDot({ status }: { status: Runtime['status'] }) {
  return (
    <span class={`dot dot-${status}`} title={status}>
      <span class="sr-only">{status}</span>
    </span>
  );
}
