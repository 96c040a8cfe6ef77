/**
 * The banner a wall screen needs when the hub is gone: says so, since when, and that the figures below are the
 * last ones received. Gone again as soon as the socket is back (everything is refetched then).
 */
import { clockTime } from '../lib/format';
import { useStore } from '../live/use-store';
import { Ago } from './Ago';

export function HubLostBanner() {
  const lostSince = useStore((s) => s.lostSince);
  if (lostSince === null) return null;
  const iso = new Date(lostSince).toISOString();
  return (
    <div class="hub-lost-banner" role="alert" data-testid="hub-lost">
      <strong>Hub unreachable</strong> since {clockTime(lostSince)} (<Ago iso={iso} />) — the figures below
      are the last received and runtime status is unknown. Reconnecting…
    </div>
  );
}
