/**
 * en-US decimal text without Intl: the dashboard's first Intl object costs 15–50 ms (ICU's locale data is set
 * up on first use), paid before the runtime page's first charts if the formatters were built then. Rounds as
 * Intl.NumberFormat does (half away from zero, on the shortest decimal spelling of the number), so the text is
 * the same; tests/unit/web/decimal.test.ts compares the two.
 */

/** The plain decimal digits of a finite number ≥ 0 (no exponent): `1e-7` → `0.0000001`. */
function plain(abs: number): string {
  const s = String(abs);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const [int = '', frac = ''] = s.slice(0, e).split('.');
  const digits = int + frac;
  const point = int.length + Number(s.slice(e + 1));
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Adds one to a string of decimal digits. */
function increment(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
    out[i] = '0';
  }
  return `1${out.join('')}`;
}

/** Thousands separated by commas: `1234567` → `1,234,567`. */
function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * `n` with exactly `digits` decimals, thousands grouped, `prefix` after the sign.
 * @example formatDecimal(-1234.565, 2, '$') // '-$1,234.57'
 */
export function formatDecimal(n: number, digits: number, prefix = ''): string {
  // Intl writes -0 (and a negative number rounded to zero) with its sign.
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : `${sign}${prefix}∞`;
  const [int = '0', frac = ''] = plain(Math.abs(n)).split('.');
  let kept = int + frac.slice(0, digits).padEnd(digits, '0');
  if ((frac[digits] ?? '0') >= '5') kept = increment(kept);
  const whole = kept.slice(0, kept.length - digits) || '0';
  const decimals = digits > 0 ? `.${kept.slice(kept.length - digits)}` : '';
  return `${sign}${prefix}${group(whole)}${decimals}`;
}
