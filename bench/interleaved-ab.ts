/**
 * An old and a new way of doing the same thing, timed in one process with the two taking turns round by round, so
 * a busy machine slows both alike. Prints each case's median and p90 per side and the ratio of the medians.
 */

/** Each case: the two sides, and how many calls of each per round. */
export type AbCases = Record<
  string,
  { old: () => Promise<unknown>; new: () => Promise<unknown>; per: number }
>;

export async function runInterleaved(cases: AbCases, rounds: number): Promise<void> {
  const times: Record<string, { old: number[]; new: number[] }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, c] of Object.entries(cases)) {
      times[name] ??= { old: [], new: [] };
      // Alternate which goes first, so neither always meets a warmer cache.
      const order = r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const);
      for (const side of order)
        for (let i = 0; i < c.per; i++) {
          const t = performance.now();
          await c[side]();
          times[name]![side].push(performance.now() - t);
        }
    }
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)] ?? 0;
  const width = Math.max(...Object.keys(times).map((n) => n.length));
  for (const [name, t] of Object.entries(times)) {
    const line = (side: 'old' | 'new') =>
      `${side} median ${q(t[side], 0.5).toFixed(3)} p90 ${q(t[side], 0.9).toFixed(3)}`;
    console.log(
      `${name.padEnd(width)} n=${t.old.length}  ${line('old')}  ${line('new')}  ratio ${(q(t.new, 0.5) / q(t.old, 0.5)).toFixed(2)}`,
    );
  }
}
