import { describe, expect, it } from 'vitest';
import { QUIET_MS, TaskTracker } from '../../../server/daemon/tasks';

const t0 = Date.parse('2025-10-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('TaskTracker', () => {
  it('reports a session running from its first entry, then completed at its last entry after a quiet period', () => {
    const t = new TaskTracker();
    t.touch('claude', 's1', iso(t0 + 5000));
    t.touch('claude', 's1', iso(t0));
    t.touch('claude', 's1', iso(t0 + 60_000));
    expect(t.due(t0 + 61_000)).toEqual([
      {
        provider: 'claude',
        task: { id: 's1', status: 'running', created_at: iso(t0), started_at: iso(t0) },
      },
    ]);
    expect(t.due(t0 + 62_000)).toEqual([]); // nothing changed: nothing queued
    expect(t.due(t0 + 60_000 + QUIET_MS)).toEqual([
      {
        provider: 'claude',
        task: {
          id: 's1',
          status: 'completed',
          created_at: iso(t0),
          started_at: iso(t0),
          completed_at: iso(t0 + 60_000),
        },
      },
    ]);
    expect(t.due(t0 + 10 * QUIET_MS)).toEqual([]);
  });

  it('reports an old session as completed straight away (a --once scan of history)', () => {
    const t = new TaskTracker();
    t.touch('codex', 'old', iso(t0));
    expect(t.due(t0 + 86_400_000).map((d) => d.task.status)).toEqual(['completed']);
  });

  it('reports a completed session running again when it gets new entries', () => {
    const t = new TaskTracker();
    t.touch('codex', 's', iso(t0));
    t.due(t0 + QUIET_MS + 1);
    t.touch('codex', 's', iso(t0 + 2 * QUIET_MS));
    expect(t.due(t0 + 2 * QUIET_MS + 1000).map((d) => d.task.status)).toEqual(['running']);
  });

  it('survives a round trip through JSON, still watching running sessions', () => {
    const t = new TaskTracker();
    t.touch('claude', 's', iso(t0));
    t.due(t0 + 1000);
    const back = TaskTracker.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back.due(t0 + QUIET_MS + 1).map((d) => d.task.status)).toEqual(['completed']);
  });

  it('ignores entries without a valid timestamp', () => {
    const t = new TaskTracker();
    t.touch('claude', 's', undefined);
    t.touch('claude', 's', 'yesterday');
    expect(t.due(t0)).toEqual([]);
  });
});
