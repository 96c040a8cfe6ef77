/**
 * Cost per usage event, end to end: priced at ingest as of the event's date, stored, summed by the views, marked
 * by source, and repriced exactly by `runtime-hub reprice` after an override change.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageRow } from '../../shared';
import { runCli } from '../helpers/cli';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId } from '../helpers/sockets';

const DAY = '2026-11-20';
const none = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

describe('cost per usage event', () => {
  let hub: TestHub;
  let runtimeId: string;

  const send = (events: object[]) =>
    rest(`${hub.url}/api/daemon/usage`, { token: hub.daemonToken, body: { runtime_id: runtimeId, events } });
  const rows = async () => {
    const res = await rest(`${hub.url}/api/runtimes/${runtimeId}/usage?days=365&tz=UTC`, {
      token: hub.memberToken,
    });
    return z.array(UsageRow.strict()).parse(res.body);
  };
  const rowOf = async (model: string) => (await rows()).find((r) => r.model === model && r.date === DAY);
  const event = (id: string, model: string, counts: object, extra: object = {}) => ({
    id,
    ts: `${DAY}T10:00:00Z`,
    provider: 'claude',
    model,
    ...none,
    ...counts,
    ...extra,
  });

  beforeAll(async () => {
    hub = await startTestHub();
    const hello = await rest(`${hub.url}/api/daemon/hello`, {
      token: hub.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 'box',
        runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
      },
    });
    runtimeId = hello.body.runtimes[0].id;
  });
  afterAll(() => hub.destroy());

  it('prices an event without the new fields from the table (backward compatible)', async () => {
    expect(
      (await send([event('old', 'claude-haiku-4-5', { input_tokens: 1e6, output_tokens: 1e6 })])).status,
    ).toBe(200);
    expect(await rowOf('claude-haiku-4-5')).toMatchObject({
      cost_usd: 6,
      cost_source: 'table',
      unpriced_tokens: 0,
    });
  });

  it('prices 1-hour cache writes at 2× input, stored per event', async () => {
    await send([event('1h', 'claude-opus-4-5', { cache_write_tokens: 1e6, cache_write_1h_tokens: 1e6 })]);
    expect(await rowOf('claude-opus-4-5')).toMatchObject({ cost_usd: 10, cost_source: 'table' });
  });

  it('refuses 1-hour cache writes above the cache writes, naming the field', async () => {
    const res = await send([
      event('bad', 'claude-opus-4-5', { cache_write_tokens: 1, cache_write_1h_tokens: 2 }),
    ]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_payload');
    expect(res.body.error).toContain('cache_write_1h_tokens');
  });

  it("takes the agent's reported cost over the table, and says the row's cost is the agent's", async () => {
    await send([event('a1', 'claude-sonnet-4-6', { input_tokens: 1e6 }, { cost_usd: 1.25, speed: 'fast' })]);
    expect(await rowOf('claude-sonnet-4-6')).toMatchObject({ cost_usd: 1.25, cost_source: 'agent' });
    await send([event('a2', 'claude-sonnet-4-6', { input_tokens: 1e6 })]);
    expect(await rowOf('claude-sonnet-4-6')).toMatchObject({ cost_usd: 4.25, cost_source: 'mixed' });
  });

  it('replaces the cost with the winning snapshot, never adding both', async () => {
    await send([event('snap', 'claude-haiku-4-5-20251001', { output_tokens: 1000 })]);
    await send([event('snap', 'claude-haiku-4-5-20251001', { output_tokens: 200_000 })]);
    await send([event('snap', 'claude-haiku-4-5-20251001', { output_tokens: 5 })]);
    expect(await rowOf('claude-haiku-4-5-20251001')).toMatchObject({ output_tokens: 200_000, cost_usd: 1 });
  });

  it('keeps an unpriced model at cost null with its tokens counted, never a silent $0', async () => {
    await send([event('u', 'mystery-model-x', { input_tokens: 700, output_tokens: 7 })]);
    expect(await rowOf('mystery-model-x')).toMatchObject({
      input_tokens: 700,
      cost_usd: null,
      cost_source: 'unknown',
      unpriced_tokens: 707,
    });
  });

  it('prices daily totals as of their date and sums them with the events', async () => {
    const res = await rest(`${hub.url}/api/daemon/runtimes/${runtimeId}/usage`, {
      token: hub.daemonToken,
      body: {
        entries: [{ date: DAY, provider: 'claude', model: 'claude-haiku-4-5', ...none, input_tokens: 1e6 }],
      },
    });
    expect(res.status).toBe(200);
    expect(await rowOf('claude-haiku-4-5')).toMatchObject({ cost_usd: 7, cost_source: 'table' });
  });

  it('reprices exactly after an override change, and a second run changes nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rh-reprice-')), 'prices.json');
    writeFileSync(
      file,
      JSON.stringify({
        prices: { 'claude-haiku-4-5': { input: 2, output: 10, cache_read: 0.2, cache_write: 2.5 } },
        aliases: { 'mystery-model-x': 'claude-opus-4-5' },
      }),
    );
    const env = { DATABASE_URL: hub.databaseUrl, PRICING_FILE: file };
    const first = await runCli(['reprice', '--since', '2026-01-01'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      since: '2026-01-01',
      events_repriced: 3,
      daily_totals_repriced: 1,
    });
    const after = await rows();
    // Haiku doubled: (1e6·2 + 1e6·10)/1e6 = 12 for the event, 2 for the daily total; the dated name too.
    expect(after.find((r) => r.model === 'claude-haiku-4-5')).toMatchObject({ cost_usd: 14 });
    expect(after.find((r) => r.model === 'claude-haiku-4-5-20251001')).toMatchObject({ cost_usd: 2 });
    // The alias prices the unknown model as Opus 4.5: (700·5 + 7·25)/1e6.
    expect(after.find((r) => r.model === 'mystery-model-x')).toMatchObject({
      cost_usd: 0.003675,
      cost_source: 'table',
      unpriced_tokens: 0,
    });
    // The agent's cost is not repriced.
    expect(after.find((r) => r.model === 'claude-sonnet-4-6')).toMatchObject({ cost_usd: 4.25 });
    const second = await runCli(['reprice', '--since', '2026-01-01'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ events_repriced: 0, daily_totals_repriced: 0 });
    expect(await rows()).toEqual(after);
    // The raw events (read for a zone whose days split UTC hours) sum to what the rollup holds.
    const kolkata = await rest(`${hub.url}/api/runtimes/${runtimeId}/usage?days=365&tz=Asia/Kolkata`, {
      token: hub.memberToken,
    });
    const costs = (rs: UsageRow[]) => Object.fromEntries(rs.map((r) => [r.model, r.cost_usd]));
    expect(costs(kolkata.body)).toEqual(costs(after));
  });

  it('refuses a bad --since', async () => {
    const res = await runCli(['reprice', '--since', '2026-13-01'], { DATABASE_URL: hub.databaseUrl });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('usage: runtime-hub reprice');
  });
});
