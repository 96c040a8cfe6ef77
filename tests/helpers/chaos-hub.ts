/**
 * A hub node as a real process, the way it is deployed: `node bin/runtime-hub.js serve` with DATABASE_URL,
 * REDIS_URL and PORT, short presence timings, and rate limits raised so a load test is not throttled.
 */
import { join } from 'node:path';
import { type Child, freePort, sleep, spawnChild, tailOf, until } from './chaos-processes';
import { CLI, childEnv } from './cli';

export interface ChaosHub {
  name: string;
  port: number;
  url: string;
  child: Child;
  /** GET /readyz status code, or 0 when the node does not answer. */
  readyz(): Promise<number>;
  /** Sum of a Prometheus sample over the series whose labels include `labels` (e.g. `namespace="/daemon"`). */
  metric(name: string, labels?: string): Promise<number>;
  log(lines?: number): string;
}

/** Environment of every node of a chaos cluster. */
export function hubEnv(databaseUrl: string, redisUrl: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PRESENCE_HEARTBEAT_MS: '1000',
    PRESENCE_SWEEP_MS: '1000',
    PRESENCE_TIMEOUT_MS: '4000',
    REST_RATE_PER_MIN: '1000000',
    HANDSHAKE_RATE_PER_S: '10000',
    DAEMON_RATE_PER_S: '10000',
  };
}

export async function startHub(
  name: string,
  options: {
    databaseUrl: string;
    redisUrl: string;
    logDir: string;
    port?: number;
    env?: Record<string, string>;
  },
): Promise<ChaosHub> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(options.logDir, `${name}.log`);
  const child = spawnChild(name, process.execPath, [CLI, 'serve'], {
    env: childEnv({ ...hubEnv(options.databaseUrl, options.redisUrl, port), ...options.env }),
    logFile,
  });
  const readyz = async () => {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };
  try {
    await until(
      `${name} ready`,
      async () => {
        if (!child.running) throw new Error(`${name} exited`);
        return (await readyz()) === 200;
      },
      60_000,
      200,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${tailOf(logFile)}`);
  }
  return {
    name,
    port,
    url,
    child,
    readyz,
    async metric(metric, labels = '') {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
        if (labels && !line.includes(labels)) continue;
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    },
    log: (lines = 40) => tailOf(logFile, lines),
  };
}

/** Polls every node's /readyz until all answer `status` or the time is up; resolves with the last codes seen. */
export async function untilReadyz(hubs: ChaosHub[], status: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const codes = await Promise.all(hubs.map((h) => h.readyz()));
    if (codes.every((c) => c === status) || Date.now() > deadline) return codes;
    await sleep(250);
  }
}
