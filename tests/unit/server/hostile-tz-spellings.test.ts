import { describe, expect, it } from 'vitest';
import { historyWindow } from '../../../server/http/history-window';
import {
  canonicalTimeZone,
  LruCache,
  localParts,
  TIME_ZONE_CACHE_CAPACITY,
  timeZoneCacheSizes,
} from '../../../shared';

/** A deterministic letter-case spelling of a zone name: bit i of `n` uppercases letter i. */
function spelling(zone: string, n: number): string {
  let letter = 0;
  return [...zone]
    .map((c) => {
      if (!/[a-z]/i.test(c)) return c;
      const upper = ((n >> (letter++ % 30)) & 1) === 1;
      return upper ? c.toUpperCase() : c.toLowerCase();
    })
    .join('');
}

describe('hostile tz spellings', () => {
  it('normalises any letter case of a zone to its canonical name', () => {
    expect(canonicalTimeZone('europe/PARIS')).toBe('Europe/Paris');
    expect(canonicalTimeZone('uTc')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(historyWindow(7, 'pacific/auckland').tz).toBe('Pacific/Auckland');
  });

  it('keeps every zone cache within its bound over thousands of spellings, with unchanged answers', () => {
    const zones = [
      'Europe/Paris',
      'America/Los_Angeles',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Auckland',
    ];
    const now = new Date('2026-11-24T20:00:00Z');
    const expected = new Map(zones.map((z) => [z, historyWindow(30, z, now)]));
    const instant = Date.parse('2026-07-01T23:30:00Z');
    const expectedParts = new Map(zones.map((z) => [z, localParts(instant, z)]));

    for (let n = 0; n < 6000; n++) {
      const zone = zones[n % zones.length]!;
      const spelled = spelling(zone, n * 7919);
      expect(historyWindow(30, spelled, now)).toEqual(expected.get(zone));
      expect(localParts(instant, spelled)).toEqual(expectedParts.get(zone));
    }

    const sizes = timeZoneCacheSizes();
    expect(sizes.spellings).toBeLessThanOrEqual(TIME_ZONE_CACHE_CAPACITY);
    // One formatter per real zone, however many spellings asked for it.
    expect(sizes.formatters).toBeLessThanOrEqual(zones.length + 1);
  });

  it('evicts the least recently used entry of a bounded cache, by weight', () => {
    const cache = new LruCache<string, string>({ capacity: 10, weigh: (v) => v.length });
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    cache.get('a');
    cache.set('c', 'cccc');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['aaaa', undefined, 'cccc']);
    expect(cache.weight).toBe(8);
    cache.set('huge', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.weight).toBe(8);
  });
});
