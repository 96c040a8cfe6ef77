/**
 * Where a budget's spend is heading by the end of its period, from its recent burn rate.
 *
 * For each hour s still ahead in the period:
 *   r24     = known cost of the last 24 hours ÷ 24                      (the recent burn, USD per hour)
 *   week(s) = mean cost of the hours exactly 1, 2, 3 and 4 weeks before s (the same weekday-hour of past weeks;
 *             only weeks the usage history reaches back to are counted)
 *   rate(s) = ½·r24 + ½·week(s), or r24 alone when the history is younger than a week.
 * projected = spent + Σ rate(s) × (the share of hour s between now and the period's end).
 * The projected crossing is the first moment spent plus the accumulated rate reaches the amount (linear within an
 * hour); null when that does not happen before the period ends, or the amount is already reached.
 * The recent 24 h follow a change in pace within a day; the weekly profile keeps nights and weekends from being
 * projected at working-hour pace.
 */

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const PAST_WEEKS = 4;

export interface ProjectionInput {
  now: number;
  /** End of the period (ms). */
  end: number;
  spent: number;
  amount: number;
  /** Known cost per UTC hour start (ms), covering at least the last PAST_WEEKS weeks and a day. */
  hourly: ReadonlyMap<number, number>;
}

export interface Projection {
  projected: number;
  crossAt: number | null;
}

/** How far back the history a projection reads must reach. */
export const PROJECTION_HISTORY_MS = PAST_WEEKS * WEEK + 24 * HOUR;

export function project({ now, end, spent, amount, hourly }: ProjectionInput): Projection {
  const thisHour = Math.floor(now / HOUR) * HOUR;
  let recent = 0;
  for (let h = thisHour - 23 * HOUR; h <= thisHour; h += HOUR) recent += hourly.get(h) ?? 0;
  const r24 = recent / 24;
  let oldest = Number.POSITIVE_INFINITY;
  for (const [h, cost] of hourly) if (cost !== 0 && h < oldest) oldest = h;
  const weeks = Array.from({ length: PAST_WEEKS }, (_, i) => (i + 1) * WEEK).filter((w) => oldest <= now - w);
  const rateAt = (slot: number) => {
    if (weeks.length === 0) return r24;
    const week = weeks.reduce((sum, w) => sum + (hourly.get(slot - w) ?? 0), 0) / weeks.length;
    return (r24 + week) / 2;
  };
  let total = spent;
  let crossAt: number | null = null;
  for (let slot = thisHour; slot < end; slot += HOUR) {
    const from = Math.max(slot, now);
    const to = Math.min(slot + HOUR, end);
    if (to <= from) continue;
    const rate = rateAt(slot);
    const added = (rate * (to - from)) / HOUR;
    if (crossAt === null && spent < amount && total + added >= amount && rate > 0)
      crossAt = from + ((amount - total) / rate) * HOUR;
    total += added;
  }
  return { projected: total, crossAt: crossAt === null ? null : Math.round(crossAt) };
}
