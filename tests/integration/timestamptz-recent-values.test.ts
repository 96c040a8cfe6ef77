/**
 * The Postgres pool parses timestamptz with its last two values remembered (server/store/database.ts): a usage
 * write's answer repeats its hour and quarter on every row. The remembered values must read exactly as pg's own
 * parser reads them, every row must get a Date of its own (changing one changes no other), and values pg does not
 * make a Date of (infinity) must pass through as pg returns them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openPostgres } from '../../server/store';
import { POSTGRES_ADMIN_URL } from '../helpers/postgres';

describe('timestamptz with recent values remembered', () => {
  let db: Database;
  beforeAll(() => {
    db = openPostgres(POSTGRES_ADMIN_URL, 1);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reads every value as pg does, each row its own Date', async () => {
    // Repeats, alternations of two values, a third one between them, offsets, fractions, infinity and NULL.
    const texts = [
      '2026-12-01 14:00:00+00',
      '2026-12-01 14:15:00+00',
      '2026-12-01 14:00:00+00',
      '2026-12-01 14:15:00+00',
      '2026-12-01 14:15:00+00',
      '2026-12-01 15:00:00.123456+00',
      '2026-12-01 14:00:00+00',
      '1970-01-01 00:00:00+00',
      'infinity',
      '-infinity',
      null,
      '2026-12-01 14:15:00+00',
      '2026-03-12 23:30:00-05',
      '2026-12-01 14:15:00+00',
    ];
    const rows = await db.query<{ at: Date | number | null; as_text: string | null }>(
      `SELECT t::timestamptz AS at, t::timestamptz::text AS as_text
       FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n`,
      [texts],
    );
    const parse = pg.types.getTypeParser(1184, 'text') as (v: string) => unknown;
    expect(rows.map((r) => r.at)).toEqual(rows.map((r) => (r.as_text === null ? null : parse(r.as_text))));
    const dates = rows.map((r) => r.at).filter((d): d is Date => d instanceof Date);
    expect(new Set(dates).size).toBe(dates.length);
    const before = dates.map((d) => d.getTime());
    dates[0]!.setTime(0);
    expect(dates.slice(1).map((d) => d.getTime())).toEqual(before.slice(1));
  });
});
