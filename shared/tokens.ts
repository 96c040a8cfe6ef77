/**
 * The four token kinds and the only arithmetic on them: the daemon, the store's SQL column lists and the dashboard
 * all sum, add and zero-check counts through here, so a fifth kind would be added in one schema and one list.
 */
import type { TokenCounts } from './schemas';

export type TokenKind = keyof TokenCounts;

/**
 * Every token kind, in the schema's order (the order of columns, CSV fields and stacked chart bands). Written out
 * rather than read from the TokenCounts schema, so that summing counts does not build zod schemas (the dashboard
 * loads zod only after its first charts); the type below fails the build if a kind of the schema is missing, and
 * tests/unit/web/rows.test.ts checks the order against the schema's.
 * @example TOKEN_KINDS.join(', ') // 'input_tokens, output_tokens, cache_read_tokens, cache_write_tokens'
 */
export const TOKEN_KINDS: readonly TokenKind[] = Object.freeze([
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
] as const satisfies readonly TokenKind[]);
/** Never, unless the schema has a kind the list above lacks (then the assignment below does not compile). */
type Unlisted = Exclude<
  TokenKind,
  'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens'
>;
const everyKindListed: [Unlisted] extends [never] ? true : never = true;
void everyKindListed;

/**
 * One value per token kind, made by `make` (a fresh one each call, so arrays are not shared between kinds).
 * @example byKind(() => 0) // { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 }
 */
export function byKind<T>(make: (kind: TokenKind) => T): Record<TokenKind, T> {
  return Object.fromEntries(TOKEN_KINDS.map((k) => [k, make(k)])) as Record<TokenKind, T>;
}

/**
 * Counts of nothing.
 * @example zeroCounts() // { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 }
 */
export function zeroCounts(): TokenCounts {
  return byKind(() => 0);
}

/**
 * The contract's "total" of an event or row: the sum of its four independent kinds (what largest-wins compares).
 * @example totalOf({ input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_write_tokens: 4 }) // 10
 */
export function totalOf(c: TokenCounts): number {
  // Spelled out rather than a loop over TOKEN_KINDS: the daemon calls this for every log line it reads.
  return c.input_tokens + c.output_tokens + c.cache_read_tokens + c.cache_write_tokens;
}

/**
 * True when every kind is zero (a usage entry that carries nothing).
 * @example isZero(zeroCounts()) // true
 */
export function isZero(c: TokenCounts): boolean {
  return TOKEN_KINDS.every((k) => c[k] === 0);
}

/**
 * The kind-by-kind sum of two counts, as a new object (neither input is touched).
 * @example addCounts(zeroCounts(), { ...zeroCounts(), output_tokens: 5 }).output_tokens // 5
 */
export function addCounts(a: TokenCounts, b: TokenCounts): TokenCounts {
  return byKind((k) => a[k] + b[k]);
}

/**
 * Adds `b` into `target` kind by kind, in place; other fields of `target` (a total, a cost) are left alone.
 * @example const t = { ...zeroCounts(), cost: 1 }; addInto(t, { ...zeroCounts(), input_tokens: 3 }); // t.input_tokens === 3
 */
export function addInto<T extends TokenCounts>(target: T, b: TokenCounts): T {
  for (const k of TOKEN_KINDS) target[k] += b[k];
  return target;
}
