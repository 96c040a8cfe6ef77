import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, localParts } from '../../../shared/time';

// What localParts reads for UTC without its shortcut: Intl's parts, as for every other zone.
const intl = new Intl.DateTimeFormat('en-US', {
  timeZone: 'UTC',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

function intlParts(at: number) {
  const parts = intl.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
}

describe('UTC without Intl', () => {
  it('gives the parts Intl gives, across years, days and minutes', () => {
    const instants = [0, -1, Date.parse('1000-01-01T00:00:00Z'), Date.parse('9999-12-31T23:59:59.999Z')];
    for (
      let t = Date.parse('1969-12-31T00:00:00Z');
      t < Date.parse('2100-01-01T00:00:00Z');
      t += 86_400_000 * 37 + 61_234
    )
      instants.push(t);
    for (const at of instants) {
      expect(localParts(at, 'UTC'), new Date(at).toISOString()).toEqual(intlParts(at));
      expect(localParts(new Date(at), 'UTC')).toEqual(intlParts(at));
    }
  });

  it('falls back to Intl where its year spelling differs, and throws as Intl does on no instant', () => {
    const early = Date.parse('0999-06-01T12:00:00Z');
    expect(localParts(early, 'UTC')).toEqual(intlParts(early));
    expect(() => localParts(Number.NaN, 'UTC')).toThrow(RangeError);
  });

  it('names UTC as Intl does', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('utc')).toBe('UTC');
  });
});
