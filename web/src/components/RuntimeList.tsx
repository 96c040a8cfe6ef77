/**
 * The workspace's runtimes: live status, provider and mode, device, last seen (ticking), the last 7 days'
 * tokens and cost, and a "no data for 10 min" badge for an online runtime gone quiet.
 */
import type { Runtime } from '../../../shared/schemas';
import type { Totals } from '../lib/aggregate';
import { compact, exact, usdCompact, usdExact } from '../lib/format';
import { shownStatus } from '../lib/presence';
import { runtimeHref } from '../lib/route';
import { isStale } from '../lib/stale';
import { useStore } from '../live/use-store';
import { Ago } from './Ago';
import { useNow } from './clock';
import { Num } from './Num';
import { StatusDot } from './StatusDot';

interface Props {
  runtimes: Runtime[];
  totals: Map<string, Totals> | null;
  /**
   * The hub folded the runtimes past its top ones by cost into `other`: a runtime without figures of its own
   * is one of them, not idle, so it shows a dash instead of zero.
   */
  folded?: boolean;
}

const FOLDED_NOTE = 'Among the smaller runtimes the hub sums as "other" (past its top ones by cost)';

export function StaleBadge({ runtime }: { runtime: Runtime }) {
  const now = useNow();
  const last = useStore((s) => s.lastDeltaAt[runtime.id]);
  const since = useStore((s) => s.watchingSince);
  if (!isStale(runtime, last, since, now)) return null;
  return (
    <span class="badge badge-warn" title="Online, but no usage arrived for 10 minutes">
      no data for 10 min
    </span>
  );
}

/** Online first, then by name, so the glance from across the room starts with what is running. */
function order(a: Runtime, b: Runtime): number {
  if (a.status !== b.status) return a.status === 'online' ? -1 : 1;
  return a.name.localeCompare(b.name) || a.provider.localeCompare(b.provider);
}

export function RuntimeList({ runtimes, totals, folded = false }: Props) {
  const connection = useStore((s) => s.connection);
  // The page's filter goes along: the runtime page opens narrowed to the same project, person or session.
  const filter = useStore((s) => s.filter);
  return (
    <ul class="runtime-list">
      {[...runtimes].sort(order).map((r) => {
        const t = totals?.get(r.id);
        const status = shownStatus(r.status, connection);
        const unknown = folded && !t;
        return (
          <li key={r.id} class="runtime-row" data-runtime-id={r.id} data-status={status}>
            <div class="rt-main">
              <StatusDot status={status} />
              <a class="rt-name" href={runtimeHref(r.id, undefined, undefined, filter)}>
                {r.name}
              </a>
              <span class="tag">{r.provider}</span>
              <span class="tag tag-muted">{r.runtime_mode}</span>
              <StaleBadge runtime={r} />
            </div>
            <div class="rt-meta">
              <span class="device" title={r.device_info}>
                {r.device_info || 'unknown device'}
              </span>
              <span class="muted">
                {status === 'online' ? 'online · seen ' : 'last seen '}
                <Ago iso={r.last_seen_at} />
              </span>
            </div>
            <div class="rt-figures">
              <span class="fig">
                <span class="fig-label">Tokens 7d</span>
                {!totals ? (
                  '…'
                ) : unknown ? (
                  <span title={FOLDED_NOTE}>—</span>
                ) : (
                  <Num value={t?.tokens ?? 0} format={compact} title={exact(t?.tokens ?? 0)} />
                )}
              </span>
              <span class="fig">
                <span class="fig-label">Cost 7d</span>
                {!totals ? (
                  '…'
                ) : unknown ? (
                  <span title={FOLDED_NOTE}>—</span>
                ) : (
                  <Num value={t?.cost ?? 0} format={usdCompact} title={usdExact(t?.cost ?? 0)} />
                )}
              </span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
