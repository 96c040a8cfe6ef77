/**
 * The change of a KPI against the previous period of equal length, with an honest tone: more cost is bad,
 * a higher cache hit rate is good, more tokens is neither.
 */

export type Better = 'up' | 'down' | 'neither';
export type Tone = 'good' | 'bad' | 'neutral';

export interface Change {
  arrow: '▲' | '▼' | '';
  /** "12%", "3.4 pp", "new", "no change", "no earlier data". */
  text: string;
  tone: Tone;
  /** Sentence for screen readers and the title attribute. */
  description: string;
}

function toneOf(direction: 'up' | 'down', better: Better): Tone {
  if (better === 'neither') return 'neutral';
  return direction === better ? 'good' : 'bad';
}

function oneDecimalBelowTen(v: number): string {
  const abs = Math.abs(v);
  return abs < 10 ? abs.toFixed(1) : abs.toFixed(0);
}

/**
 * Relative change of an amount. `previous` undefined means there is no comparable period (for example a
 * 365-day range, whose previous year the hub does not serve).
 * @example relativeChange(112, 100, 'down') // { arrow: '▲', text: '12%', tone: 'bad', ... }
 */
export function relativeChange(current: number, previous: number | undefined, better: Better): Change {
  if (previous === undefined) return flat('no earlier data', 'No previous period to compare with');
  if (previous === 0) {
    if (current === 0) return flat('no change', 'No change against the previous period');
    return {
      arrow: '▲',
      text: 'new',
      tone: toneOf('up', better),
      description: 'Up from nothing in the previous period',
    };
  }
  const pct = ((current - previous) / previous) * 100;
  const text = oneDecimalBelowTen(pct);
  if (Number(text) === 0) return flat('no change', 'No change against the previous period');
  const direction = pct > 0 ? 'up' : 'down';
  return {
    arrow: direction === 'up' ? '▲' : '▼',
    text: `${text}%`,
    tone: toneOf(direction, better),
    description: `${direction === 'up' ? 'Up' : 'Down'} ${text}% against the previous period`,
  };
}

/**
 * Change of a ratio in percentage points; null ratios (nothing to divide) have no change.
 * @example pointsChange(0.62, 0.5, 'up') // { arrow: '▲', text: '12 pp', tone: 'good', ... }
 */
export function pointsChange(
  current: number | null,
  previous: number | null | undefined,
  better: Better,
): Change {
  if (previous === undefined) return flat('no earlier data', 'No previous period to compare with');
  if (current === null || previous === null) return flat('—', 'Nothing to compare');
  const pp = (current - previous) * 100;
  const text = oneDecimalBelowTen(pp);
  if (Number(text) === 0) return flat('no change', 'No change against the previous period');
  const direction = pp > 0 ? 'up' : 'down';
  return {
    arrow: direction === 'up' ? '▲' : '▼',
    text: `${text} pp`,
    tone: toneOf(direction, better),
    description: `${direction === 'up' ? 'Up' : 'Down'} ${text} percentage points against the previous period`,
  };
}

function flat(text: string, description: string): Change {
  return { arrow: '', text, tone: 'neutral', description };
}
