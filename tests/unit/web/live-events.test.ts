/**
 * Regression (socket-events-unchecked): the dashboard handed the hub's live events to the store as they came, the
 * one boundary of the page not checked with the shared schemas. Each event is now parsed with its schema;
 * one that does not match is refused with where it fails (socket.ts drops it and refetches).
 */
import { describe, expect, it } from 'vitest';
import { parseLiveEvent } from '../../../web/src/live/live-events';

const RUNTIME_ID = '0b6f5c2e-1d2a-4c3b-9e8f-7a6b5c4d3e2f';

const delta = {
  hour: '2026-11-30T10:00:00.000Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 10,
  output_tokens: 2,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: 0.00006,
};

describe('live events checked with their schemas', () => {
  it('passes a usage push on as it came', () => {
    const push = { runtime_id: RUNTIME_ID, deltas: [delta] };
    expect(parseLiveEvent('usage', push)).toEqual({ ok: true, data: push });
  });

  it('refuses a usage push whose count is not a whole number, naming where', () => {
    const push = { runtime_id: RUNTIME_ID, deltas: [{ ...delta, input_tokens: 1.5 }] };
    const parsed = parseLiveEvent('usage', push);
    expect(parsed.ok).toBe(false);
    // A union: zod reports the push's delta as a whole.
    expect(parsed.ok ? '' : parsed.issue).toMatch(/^deltas\.0/);
  });

  it('refuses a runtime without its id and a task whose status is unknown', () => {
    expect(parseLiveEvent('runtime', { name: 'box' })).toEqual({
      ok: false,
      issue: 'id: Invalid input: expected string, received undefined',
    });
    const task = { id: 't1', status: 'paused', created_at: '2026-11-30T10:00:00Z' };
    expect(parseLiveEvent('task', { runtime_id: RUNTIME_ID, task }).ok).toBe(false);
  });

  it('reads a task with its timestamps in UTC, as the REST answers give them', () => {
    const task = { id: 't1', status: 'running', created_at: '2026-11-30T12:00:00+02:00' };
    expect(parseLiveEvent('task', { runtime_id: RUNTIME_ID, task })).toEqual({
      ok: true,
      data: { runtime_id: RUNTIME_ID, task: { ...task, created_at: '2026-11-30T10:00:00Z' } },
    });
  });

  it('passes a budget state on and refuses one whose crossed thresholds are not numbers', () => {
    const state = {
      budget_id: RUNTIME_ID,
      period_start: '2026-11-30T00:00:00.000Z',
      period_end: '2026-12-01T00:00:00.000Z',
      spent_usd: 1.25,
      projected_usd: 3,
      projected_cross_at: null,
      crossed: [50],
    };
    expect(parseLiveEvent('budget', state)).toEqual({ ok: true, data: state });
    expect(parseLiveEvent('budget', { ...state, crossed: ['50'] })).toEqual({
      ok: false,
      issue: 'crossed.0: Invalid input: expected number, received string',
    });
  });
});
