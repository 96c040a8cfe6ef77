/**
 * Claude Code's api_request records carry what the price depends on beyond the four counts: the one-hour part of
 * the cache write, the speed tier and the cost it computed itself. They travel on the usage event, so the hub
 * prices 1-hour writes and fast mode right and keeps the agent's own cost as authoritative.
 */
import { describe, expect, it } from 'vitest';
import { mapLogs } from '../../../server/otlp/map';
import type { ExportLogsRequest } from '../../../server/otlp/schema';
import { UsageEvent } from '../../../shared';

type Attr = {
  key: string;
  value: { stringValue?: string; intValue?: number | string; doubleValue?: number };
};

const apiRequest = (extra: Attr[]): ExportLogsRequest =>
  ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                body: { stringValue: 'claude_code.api_request' },
                attributes: [
                  { key: 'event.timestamp', value: { stringValue: '2026-11-02T10:00:00.000Z' } },
                  { key: 'session.id', value: { stringValue: 's-1' } },
                  { key: 'request_id', value: { stringValue: 'req_1' } },
                  { key: 'model', value: { stringValue: 'claude-opus-4-7' } },
                  { key: 'input_tokens', value: { intValue: '10' } },
                  { key: 'output_tokens', value: { intValue: '20' } },
                  { key: 'cache_read_tokens', value: { intValue: '0' } },
                  { key: 'cache_creation_tokens', value: { intValue: '5000' } },
                  ...extra,
                ],
              },
            ],
          },
        ],
      },
    ],
  }) as unknown as ExportLogsRequest;

describe('OTLP price fields', () => {
  it('carries the one-hour cache write, the speed and the agent-reported cost on the event', () => {
    const mapped = mapLogs(
      apiRequest([
        { key: 'cache_creation_1h_tokens', value: { intValue: '3500' } },
        { key: 'speed', value: { stringValue: 'fast' } },
        { key: 'cost_usd', value: { doubleValue: 0.42 } },
      ]),
    );
    expect(mapped.rejected).toBe(0);
    const [event] = mapped.groups[0]!.events;
    expect(event).toMatchObject({
      cache_write_tokens: 5000,
      cache_write_1h_tokens: 3500,
      speed: 'fast',
      cost_usd: 0.42,
    });
    expect(UsageEvent.parse(event)).toEqual(event);
  });

  it('rejects a record whose one-hour cache write exceeds its cache write, and one with a negative cost', () => {
    for (const bad of [
      { key: 'cache_creation_1h_tokens', value: { intValue: '5001' } },
      { key: 'cost_usd', value: { doubleValue: -1 } },
    ]) {
      const mapped = mapLogs(apiRequest([bad]));
      expect(mapped.rejected, bad.key).toBe(1);
      expect(mapped.groups.flatMap((g) => g.events)).toEqual([]);
    }
  });
});
