import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../server/daemon/log';
import { dayFactor, runSimulation, syntheticEvent } from '../../../server/daemon/simulate';
import { UsageEvent } from '../../../shared/schemas';
import { type FakeHub, startFakeHub, TOKEN } from './fake-hub';

let hub: FakeHub | undefined;
afterEach(async () => {
  await hub?.close();
});

describe('the simulator', () => {
  it('runs several synthetic daemons whose events and tasks all reach the hub acknowledged', async () => {
    hub = await startFakeHub();
    const r = await runSimulation({
      url: hub.url,
      token: TOKEN,
      runtimes: 3,
      rate: 400,
      durationS: 1.2,
      log: silentLogger(),
    });
    expect(r.ok).toBe(true);
    expect(r.generated.events).toBeGreaterThan(20);
    expect(r.sent.events).toBe(r.generated.events);
    expect(hub.events.size).toBe(r.generated.events);
    expect(new Set(hub.hellos.map((h) => h.daemon_id)).size).toBe(3);
    expect([...hub.tasks.values()].every((t) => t.status === 'completed')).toBe(true);
    // Each event names its session (a reported task), a user and a project, like a real daemon's.
    for (const e of hub.events.values()) {
      expect(hub.tasks.has(e.session_id ?? '')).toBe(true);
      expect(e.user).toMatch(/^(anna|ravi|mei|jonas|ci)$/);
      expect(e.project).toMatch(/^(runtime-hub|web-app|infra|mobile|data-pipeline)$/);
    }
  });

  it('makes valid events with big cache reads and smaller outputs', () => {
    let seed = 1;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const events = Array.from({ length: 2000 }, (_, i) =>
      syntheticEvent(i % 2 ? 'codex' : 'claude', rand, new Date('2025-10-01T12:00:00Z')),
    );
    for (const e of events) expect(UsageEvent.safeParse(e).success).toBe(true);
    const sum = (k: 'cache_read_tokens' | 'output_tokens') => events.reduce((n, e) => n + e[k], 0);
    expect(sum('cache_read_tokens')).toBeGreaterThan(5 * sum('output_tokens'));
    expect(new Set(events.map((e) => e.model)).size).toBe(6);
  });

  it('is quiet at night and busiest in the afternoon', () => {
    expect(dayFactor(3)).toBeLessThan(0.2);
    expect(dayFactor(14)).toBeGreaterThan(0.95);
    expect(dayFactor(9)).toBeLessThan(dayFactor(12));
  });
});
