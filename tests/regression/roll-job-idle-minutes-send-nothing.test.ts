/**
 * Session 12 (hL3): the runtime levels' roll job sent its check (a transaction: BEGIN, a read, COMMIT) every minute on
 * every node, though it has work only once an hour, and its statements counted among those of whatever ran beside
 * it (rest-usage-pages checks that a cached first page costs at most two; that check failed twice under load with 7,
 * cause not established). The job now sends nothing until the hour has turned since its last round that succeeded.
 */
import pino from 'pino';
import { expect, it } from 'vitest';
import { levelsFrom, migrate, openEmbedded, RuntimeLevelsJob } from '../../server/store';

const HOUR = 3_600_000;

it('sends no statement in the minutes after a roll, and rolls again once the hour turns', async () => {
  const db = await openEmbedded(undefined);
  try {
    await migrate(db);
    let clock = Math.floor(Date.now() / HOUR) * HOUR + 60_000;
    const job = new RuntimeLevelsJob(db, 60_000, pino({ level: 'silent' }), () => clock);
    await job.round();
    const after = db.statementCount();
    expect(after).toBeGreaterThan(0);

    for (let minute = 1; minute < 59; minute++) {
      clock += 60_000;
      await job.round();
    }
    expect(db.statementCount()).toBe(after);

    clock += 2 * 60_000; // the next hour (by the job's clock)
    await job.round();
    expect(db.statementCount()).toBeGreaterThan(after);
    // The database's own hour decides where the levels go: the watermark is never past it.
    expect(Date.parse(await levelsFrom(db))).toBeLessThanOrEqual(Date.now());
  } finally {
    await db.close();
  }
});
