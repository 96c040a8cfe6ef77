/**
 * Connections: idle daemon sockets held on one hub node, stepped up, spread over several load-connections
 * processes; after each step (and a pause for the hub to settle) the hub's VmRSS is read from /proc. Per
 * connection = (RSS at the step − RSS before any connection) / connections held. Steps above what the hub's
 * open-files limit allows are capped to it (and say so).
 */
import { spawnBenchChild } from '../hub';
import { type Child, openFilesLimit, rssKb, sleep } from '../processes';
import type { HeldMessage } from '../protocol';

export interface ConnectionStep {
  target: number;
  held: number;
  failed: number;
  rssKb: number;
  perConnectionKb: number;
  seconds: number;
}

export interface ConnectionsResult {
  baselineRssKb: number;
  hubOpenFilesLimit: number | null;
  cappedAt: number | null;
  steps: ConnectionStep[];
  errors: Record<string, number>;
}

/** File descriptors the hub needs besides its sockets (pool, listeners, its own files). */
const FD_MARGIN = 300;

export async function runConnections(o: {
  url: string;
  daemonToken: string;
  hubPid: number;
  steps: number[];
  perProcess: number;
  settleMs: number;
}): Promise<ConnectionsResult> {
  const limit = openFilesLimit(o.hubPid);
  const cap = limit ? limit - FD_MARGIN : Number.POSITIVE_INFINITY;
  const targets = [...new Set(o.steps.map((s) => Math.min(s, cap)))];
  const processes = Math.max(1, Math.ceil(Math.max(...targets) / o.perProcess));
  const children: Child[] = [];
  const errors: Record<string, number> = {};
  try {
    for (let p = 0; p < processes; p++) {
      children.push(
        spawnBenchChild(`load-connections:${p}`, 'load-connections.ts', {
          url: o.url,
          token: o.daemonToken,
          concurrency: 100,
          maxSeconds: 900,
        }),
      );
    }
    await sleep(o.settleMs);
    const baselineRssKb = rssKb(o.hubPid) ?? 0;
    const steps: ConnectionStep[] = [];
    for (const target of targets) {
      const started = performance.now();
      const held = await Promise.all(
        children.map((c, p) => {
          const share = Math.floor(target / processes) + (p < target % processes ? 1 : 0);
          c.send({ type: 'hold', count: share });
          return c.next<HeldMessage>('held', 300_000);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      await sleep(o.settleMs);
      const rss = rssKb(o.hubPid) ?? 0;
      const total = held.reduce((s, h) => s + h.held, 0);
      for (const h of held) for (const [k, v] of Object.entries(h.errors)) errors[k] = (errors[k] ?? 0) + v;
      steps.push({
        target,
        held: total,
        failed: held.reduce((s, h) => s + h.failed, 0),
        rssKb: rss,
        perConnectionKb: total > 0 ? (rss - baselineRssKb) / total : 0,
        seconds,
      });
      if (total < target) break;
    }
    return {
      baselineRssKb,
      hubOpenFilesLimit: limit,
      cappedAt: o.steps.some((s) => s > cap) ? cap : null,
      steps,
      errors,
    };
  } finally {
    for (const c of children) c.send({ type: 'close' });
    await Promise.all(children.map((c) => c.stop()));
  }
}
