/**
 * Pure data shaping for the charts (no uPlot import, so it is unit-testable): stacking, zero-based y ranges,
 * and index-based x labels (dates are local calendar days, so the axis must not reinterpret them as instants).
 */

/** Running sums bottom-up: result[i][j] = Σ series[0..i][j]. */
export function stack(series: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  let acc: number[] = [];
  for (const s of series) {
    acc = s.map((v, j) => v + (acc[j] ?? 0));
    out.push(acc);
  }
  return out;
}

/** The y range of every chart: from zero to a round number at or above the maximum (never starts above 0). */
export function zeroBasedRange(max: number): [number, number] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const top = step * magnitude;
    if (top >= max * 1.05) return [0, top];
  }
  return [0, 10 * magnitude];
}

/** Integer x positions 0..n-1. */
export function indices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Axis tick steps (in days or hours) that keep labels on whole positions. */
export const dayIncrs = [1, 2, 3, 7, 14, 28, 56, 91];
export const hourIncrs = [1, 2, 3, 4, 6, 12];
