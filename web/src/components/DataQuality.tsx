/**
 * Data quality of a runtime: the daemon's scan statistics (whatever numeric keys it sent under
 * metadata.scan) and, plainly, the models whose cost is unknown.
 */
import type { Runtime } from '../../../shared/schemas';
import type { UnpricedModel } from '../lib/aggregate';
import { exact } from '../lib/format';

/** Numeric entries of metadata.scan, in the daemon's order; anything else is ignored. */
export function scanStats(metadata: Runtime['metadata']): [string, number][] {
  const scan = metadata.scan;
  if (typeof scan !== 'object' || scan === null || Array.isArray(scan)) return [];
  return Object.entries(scan).filter(
    (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
  );
}

const humanKey = (k: string) => k.replaceAll('_', ' ');

export function DataQuality({ runtime, unpriced }: { runtime: Runtime; unpriced: UnpricedModel[] }) {
  const stats = scanStats(runtime.metadata);
  return (
    <div class="quality">
      {stats.length > 0 ? (
        <dl class="stats">
          {stats.map(([k, v]) => (
            <div key={k} class={k === 'skipped' && v > 0 ? 'stat stat-warn' : 'stat'}>
              <dt>{humanKey(k)}</dt>
              <dd>{exact(v)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="muted">The daemon did not report scan statistics for this runtime.</p>
      )}
      {unpriced.length > 0 ? (
        <ul class="unpriced">
          {unpriced.map(({ model, tokens }) => (
            <li key={model}>
              ⚠ cost unknown for model <code>{model}</code>: {exact(tokens)} tokens counted, their cost left
              out of totals (add it to PRICING_FILE, then run <code>runtime-hub reprice</code>).
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">Every model in this range has a known price.</p>
      )}
    </div>
  );
}
