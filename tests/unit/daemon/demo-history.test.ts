import { describe, expect, it } from 'vitest';
import { demoFleet, runtimeHistory } from '../../../server/daemon/demo-history';
import { totalOf } from '../../../shared/tokens';

/** A seeded generator, so the history is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('the demo history', () => {
  const now = new Date('2026-11-30T15:00:00Z');
  const [claude] = demoFleet();
  const history = runtimeHistory(claude!, 90, mulberry32(7), now);

  it('spans 90 days up to now, with nothing in the future', () => {
    const times = history.events.map((e) => Date.parse(e.ts));
    expect(Math.max(...times)).toBeLessThanOrEqual(now.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(now.getTime() - 90 * 86_400_000);
    const days = new Set(history.events.map((e) => e.ts.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(85);
    for (const t of history.tasks)
      expect(Date.parse(t.completed_at ?? '')).toBeLessThanOrEqual(now.getTime());
  });

  it('works weekdays much harder than weekends', () => {
    const byWeekday = Array.from({ length: 7 }, () => 0);
    for (const e of history.events) {
      const d = new Date(e.ts).getDay();
      byWeekday[d] = (byWeekday[d] ?? 0) + totalOf(e);
    }
    const weekend = (byWeekday[0] ?? 0) + (byWeekday[6] ?? 0);
    const tuesdayAndWednesday = (byWeekday[2] ?? 0) + (byWeekday[3] ?? 0);
    expect(weekend * 3).toBeLessThan(tuesdayAndWednesday);
  });

  it('uses several models and reports scan statistics', () => {
    expect(new Set(history.events.map((e) => e.model)).size).toBe(3);
    expect(claude?.metadata.scan).toMatchObject({ files: 212, duplicates: expect.any(Number) });
  });

  it('says where and who like the daemon: each session in one of the member’s projects, the busiest first', () => {
    const tasks = new Set(history.tasks.map((t) => t.id));
    expect(history.events.every((e) => e.user === 'anna' && tasks.has(e.session_id ?? ''))).toBe(true);
    const perProject = new Map<string, number>();
    for (const e of history.events)
      perProject.set(e.project ?? '', (perProject.get(e.project ?? '') ?? 0) + 1);
    expect([...perProject.keys()].sort()).toEqual(['infra', 'runtime-hub', 'web-app']);
    const busiest = [...perProject].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(busiest).toBe('runtime-hub');
    // A session is in one project.
    const projectOf = new Map<string, string>();
    for (const e of history.events) {
      expect(projectOf.get(e.session_id ?? '') ?? e.project).toBe(e.project);
      projectOf.set(e.session_id ?? '', e.project ?? '');
    }
  });
});
