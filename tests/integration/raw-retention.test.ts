/**
 * Raw-event retention (RAW_RETENTION_DAYS): old usage events are deleted in bounded batches while the rollups
 * stay, so every view of an old day answers exactly what it answered before the deletion; one node deletes at a
 * time; a late re-send of a deleted event is ignored rather than counted twice.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  createWorkspace,
  type Database,
  lockRuntimes,
  RetentionJob,
  type RuntimeUsageEvent,
  rawHorizon,
  registerRuntimes,
  runRetention,
  usageByDay,
  writeUsageEvents,
} from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds } from '../helpers/databases';

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-5', 'gpt-5'];

/** 60 days of events, several a day at minutes that split hours in half-hour zones, in three models. */
function history(): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (let d = 0; d < 60; d++) {
    for (let k = 0; k < 5; k++) {
      const ts = new Date(NOW.getTime() - d * DAY - k * 4 * 3_600_000 - 17 * 60_000 * k);
      events.push({
        id: `e-${d}-${k}`,
        ts: ts.toISOString(),
        provider: k === 2 ? 'codex' : 'claude',
        model: MODELS[k % 3]!,
        input_tokens: 100 + d,
        output_tokens: 10 + k,
        cache_read_tokens: 1000 * k,
        cache_write_tokens: d % 3,
      });
    }
  }
  return events;
}

describe.each(databaseKinds)('raw usage retention on %s', (kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  let runtimeId: string;
  const events = history();
  const pricer = createPricer();

  const write = (batch: UsageEvent[]) =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      const rows: RuntimeUsageEvent[] = batch.map((e) => ({ ...e, runtime_id: runtimeId }));
      return writeUsageEvents(tx, collapseByKey(rows), pricer);
    });
  const rawCount = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events'))[0]!.n;
  const view = (tz: string) => usageByDay(db, workspaceId, runtimeId, historyWindow(90, tz, NOW));
  const zones = ['UTC', 'America/Los_Angeles'];

  beforeAll(async () => {
    ({ db, close } = await open());
    workspaceId = (await createWorkspace(db, 'w')).id;
    const [rt] = await registerRuntimes(
      db,
      workspaceId,
      {
        daemon_id: crypto.randomUUID(),
        device_info: 'box',
        runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
      },
      'test',
    );
    runtimeId = rt!.id;
    await write(events);
  });
  afterAll(() => close());

  it('keeps everything while nothing is sealed, and with RAW_RETENTION_DAYS=0', async () => {
    expect(await rawHorizon(db)).toBeNull();
    expect(await runRetention(db, { days: 0, now: NOW })).toEqual({
      rawBefore: null,
      deleted: 0,
      batches: 0,
      ran: false,
      busyMs: 0,
    });
    expect(await rawCount()).toBe(events.length);
  });

  it('deletes the events older than the retention period in bounded batches and views of old days stay exact', async () => {
    const before = await Promise.all(zones.map(view));
    const cutoff = NOW.getTime() - 30 * DAY;
    const old = events.filter((e) => Date.parse(e.ts) < cutoff).length;
    expect(old).toBeGreaterThan(100);

    const round = await runRetention(db, { days: 30, batchSize: 40, now: NOW });

    expect(round).toEqual({
      rawBefore: new Date(cutoff).toISOString(),
      deleted: old,
      batches: Math.floor(old / 40) + 1,
      ran: true,
      busyMs: expect.any(Number),
    });
    expect(await rawCount()).toBe(events.length - old);
    expect((await rawHorizon(db))?.toISOString()).toBe(new Date(cutoff).toISOString());
    expect(await Promise.all(zones.map(view))).toEqual(before);
  });

  it('ignores a late re-send of a deleted event (it would count twice) and still replaces a kept one', async () => {
    const before = await Promise.all(zones.map(view));
    const deleted = events.find((e) => Date.parse(e.ts) < NOW.getTime() - 40 * DAY)!;
    const bigger = { ...deleted, input_tokens: deleted.input_tokens + 1_000_000 };
    expect(await write([bigger])).toEqual([]);
    expect(await Promise.all(zones.map(view))).toEqual(before);

    const kept = events.find((e) => Date.parse(e.ts) > NOW.getTime() - 10 * DAY)!;
    const deltas = await write([{ ...kept, input_tokens: kept.input_tokens + 7 }]);
    expect(deltas.map((d) => d.input_tokens)).toEqual([7]);
  });

  it('never moves the horizon back and finds nothing more to delete on the next round', async () => {
    const round = await runRetention(db, { days: 45, now: NOW });
    expect(round).toMatchObject({ rawBefore: new Date(NOW.getTime() - 30 * DAY).toISOString(), deleted: 0 });
  });

  it.skipIf(kind !== 'postgres')('leaves the round to the node that holds the job lock', async () => {
    const later = new Date(NOW.getTime() + 5 * DAY);
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7263019019)');
      locked();
      await held;
    });
    await isLocked;
    const round = await runRetention(db, { days: 30, now: later });
    release();
    await holder;
    expect(round).toMatchObject({ deleted: 0, batches: 0, ran: false });
    const between = events.filter((e) => {
      const t = Date.parse(e.ts);
      return t >= NOW.getTime() - 30 * DAY && t < later.getTime() - 30 * DAY;
    });
    expect(between.length).toBeGreaterThan(0);
    expect((await runRetention(db, { days: 30, now: later })).deleted).toBe(between.length);
  });
  it('runs a round from the hub job on the real clock, deleting exactly what lies before the new horizon', async () => {
    // Twenty days after the test's clock, on the real one: the events of days 20–34 before NOW are due.
    const days = Math.round((Date.now() - (NOW.getTime() - 20 * DAY)) / DAY);
    const job = new RetentionJob(db, { days, intervalMs: 60_000 }, pino({ level: 'silent' }));
    await job.round();
    await job.stop();
    const horizon = (await rawHorizon(db))!.getTime();
    expect(horizon).toBeGreaterThan(NOW.getTime() - 21 * DAY);
    expect(await rawCount()).toBe(events.filter((e) => Date.parse(e.ts) >= horizon).length);
  });
});
