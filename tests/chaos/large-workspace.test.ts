/**
 * Scenario: a workspace with ~40k day × model rows (many distinct models over 10 days), whose member asks for
 * `GET /api/usage` and `GET /api/runtimes` over every window from 1 to 15 days on both nodes while daemons keep
 * reporting. Every answer stays within a few MB, the hub answers /healthz within 100 ms throughout, its memory
 * stays bounded, and nothing acked is lost. Prints each node's peak RSS and worst event-loop stall.
 */
import { describe, expect, inject, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  lockRuntimes,
  openPostgres,
  registerRuntimes,
  writeUsageEvents,
} from '../../server/store';
import { type ChaosCluster, scenarioOnce, startCluster } from '../helpers/chaos-cluster';
import { DaemonFleet } from '../helpers/chaos-daemons';
import { type Footprint, watchFootprint } from '../helpers/chaos-footprint';
import { until } from '../helpers/chaos-processes';
import { checkLedger, type LedgerCheck, printFigures } from '../helpers/chaos-verify';

const RUNTIMES = 10;
const MODELS = 400;
const DAYS = 10;
const MAX_ANSWER_BYTES = 8 * 1_048_576;

/** Writes RUNTIMES × MODELS × DAYS distinct day × model rows straight through the store. */
async function seedLargeWorkspace(url: string, workspaceId: string): Promise<void> {
  const db = openPostgres(url, 2);
  try {
    const runtimes = await registerRuntimes(
      db,
      workspaceId,
      {
        daemon_id: crypto.randomUUID(),
        device_info: 'seed',
        runtimes: Array.from({ length: RUNTIMES }, (_, i) => ({
          provider: `seed${i}`,
          name: 'large',
          runtime_mode: 'local' as const,
        })),
      },
      'seed',
    );
    for (const { id } of runtimes) {
      for (let day = 0; day < DAYS; day++) {
        const ts = new Date(Date.now() - day * 86_400_000 - 3_600_000).toISOString();
        await db.transaction(async (tx) => {
          await lockRuntimes(tx, [id]);
          await writeUsageEvents(
            tx,
            collapseByKey(
              Array.from({ length: MODELS }, (_, m) => ({
                runtime_id: id,
                id: `seed-${day}-${m}`,
                ts,
                provider: 'claude',
                model: `model-${m}-${'x'.repeat(40)}`,
                input_tokens: 1,
                output_tokens: 2,
                cache_read_tokens: 3,
                cache_write_tokens: 4,
              })),
            ),
            createPricer(),
          );
        });
      }
    }
  } finally {
    await db.close();
  }
}

describe('a large workspace read by its member, under load', () => {
  let cluster: ChaosCluster;
  let fleet: DaemonFleet | undefined;
  const footprints: Footprint[] = [];
  const answers: Array<{ status: number; bytes: number; ms: number }> = [];
  let check: LedgerCheck;

  scenarioOnce(
    () => startCluster('large-workspace', inject('chaosPgBase')),
    (started) => {
      cluster = started;
      return runScenario();
    },
    async () => {
      await fleet?.stop();
    },
  );

  async function runScenario() {
    const { workspaceId, memberToken, daemonToken } = cluster.workspace;
    await seedLargeWorkspace(cluster.pg.url, workspaceId);
    const watchers = cluster.hubs.map((h) => watchFootprint(h));
    fleet = new DaemonFleet({
      url: cluster.balancer.url,
      token: daemonToken,
      daemons: 2,
      eventsPerTick: 40,
      tickMs: 500,
    });
    fleet.start();
    await until('every daemon connected', () => fleet!.connected() === 2, 30_000);
    for (let days = 1; days <= 15; days++) {
      for (const hub of cluster.hubs) {
        for (const path of [`/api/usage?days=${days}&tz=UTC`, '/api/runtimes']) {
          const started = performance.now();
          const res = await fetch(`${hub.url}${path}`, {
            headers: { authorization: `Bearer ${memberToken}` },
            signal: AbortSignal.timeout(30_000),
          });
          const bytes = (await res.arrayBuffer()).byteLength;
          answers.push({ status: res.status, bytes, ms: performance.now() - started });
        }
      }
    }
    fleet.stopGenerating();
    await fleet.flush(60_000);
    for (const w of watchers) footprints.push(await w.stop());
    check = await checkLedger(cluster.pg, fleet);
    printFigures('large workspace', {
      rows: RUNTIMES * MODELS * DAYS,
      requests: answers.length,
      largest_answer_kb: (Math.max(...answers.map((a) => a.bytes)) / 1024).toFixed(0),
      slowest_answer_ms: Math.max(...answers.map((a) => a.ms)).toFixed(0),
      healthz_max_ms: footprints.map((f) => f.healthzMaxMs.toFixed(1)).join('/'),
      peak_rss_mb: footprints.map((f) => (f.peakRssBytes / 1_048_576).toFixed(1)).join('/'),
      worst_loop_stall_ms: footprints.map((f) => f.worstLoopStallMs.toFixed(1)).join('/'),
      sent: check.sent,
      acked: check.acked,
      lost: check.lost.length,
    });
  }

  it('answers every history and runtime request, each within a few MB', () => {
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(Math.max(...answers.map((a) => a.bytes))).toBeLessThan(MAX_ANSWER_BYTES);
  });

  it('answers /healthz within 100 ms throughout, with memory bounded', () => {
    for (const f of footprints) {
      expect(f.healthzMaxMs).toBeLessThan(100);
      expect(f.peakRssBytes).toBeLessThan(400 * 1_048_576);
    }
  });

  it('loses nothing acknowledged', () => {
    expect(check.lost).toEqual([]);
    expect(check.wrong).toEqual([]);
    expect(check.acked).toBe(check.sent);
    expect(check.inDb).toBe(check.sent);
  });
});
