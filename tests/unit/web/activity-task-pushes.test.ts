import { describe, expect, it } from 'vitest';
import type { TaskPush } from '../../../shared/schemas';
import { countPush, hourlyFromRows } from '../../../web/src/lib/activity';

const RUNTIME = '00000000-0000-4000-8000-000000000001';
const empty = () => ({ counts: hourlyFromRows([]), seen: new Set<string>() });
const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
const push = (task: Partial<TaskPush['task']>, previous_at?: string | null): TaskPush => ({
  runtime_id: RUNTIME,
  task: { id: 't', status: 'queued', created_at: '2026-11-24T09:10:00Z', ...task },
  commit: '100',
  ...(previous_at === undefined ? {} : { previous_at }),
});

describe('task pushes that say what their commit changed', () => {
  it('a created task adds one at its local hour', () => {
    const s = countPush(empty(), push({}, null), 'Europe/Berlin', '2026-11-01');
    expect(s.counts[10]).toBe(1);
    expect(total(s.counts)).toBe(1);
  });

  it('a status update in the same hour changes nothing (the same state object)', () => {
    const state = { counts: hourlyFromRows([{ hour: 9, count: 1 }]), seen: new Set<string>() };
    const s = countPush(state, push({ status: 'completed' }, '2026-11-24T09:10:00Z'), 'UTC', '2026-11-01');
    expect(s).toBe(state);
  });

  it('a start in another hour moves the count there', () => {
    const state = { counts: hourlyFromRows([{ hour: 9, count: 2 }]), seen: new Set<string>() };
    const moved = push({ status: 'running', started_at: '2026-11-24T13:59:00Z' }, '2026-11-24T09:10:00Z');
    const s = countPush(state, moved, 'UTC', '2026-11-01');
    expect(s.counts[9]).toBe(1);
    expect(s.counts[13]).toBe(1);
    expect(total(s.counts)).toBe(2);
  });

  it('moving out of the window removes the count; moving into it adds one', () => {
    const state = { counts: hourlyFromRows([{ hour: 9, count: 1 }]), seen: new Set<string>() };
    const out = countPush(
      state,
      push({ created_at: '2026-10-01T09:10:00Z' }, '2026-11-24T09:10:00Z'),
      'UTC',
      '2026-11-01',
    );
    expect(total(out.counts)).toBe(0);
    const into = countPush(empty(), push({}, '2026-10-01T09:10:00Z'), 'UTC', '2026-11-01');
    expect(into.counts[9]).toBe(1);
    expect(total(into.counts)).toBe(1);
  });

  it('a task after the window (a later local date than its last) is not counted, as the hub does not', () => {
    const state = empty();
    const later = push({ created_at: '2026-11-25T00:30:00Z' }, null);
    expect(countPush(state, later, 'UTC', '2026-11-01', '2026-11-24')).toBe(state);
    expect(countPush(state, later, 'America/New_York', '2026-11-01', '2026-11-24').counts[19]).toBe(1);
  });

  it('a task before the window changes nothing', () => {
    const state = empty();
    expect(countPush(state, push({ created_at: '2026-10-01T09:10:00Z' }, null), 'UTC', '2026-11-01')).toBe(
      state,
    );
  });

  it('regression: updates of one task counted exactly, never once per status (issue 15)', () => {
    let s = countPush(empty(), push({}, null), 'UTC', '2026-11-01');
    s = countPush(s, push({ status: 'running' }, '2026-11-24T09:10:00Z'), 'UTC', '2026-11-01');
    s = countPush(
      s,
      push({ status: 'completed', completed_at: '2026-11-24T11:00:00Z' }, '2026-11-24T09:10:00Z'),
      'UTC',
      '2026-11-01',
    );
    expect(s.counts[9]).toBe(1);
    expect(total(s.counts)).toBe(1);
  });

  it('a push of an older hub (no previous_at) counts its task once per id', () => {
    let s = countPush(empty(), push({}), 'UTC', '2026-11-01');
    s = countPush(s, push({ status: 'running' }), 'UTC', '2026-11-01');
    expect(total(s.counts)).toBe(1);
  });
});
