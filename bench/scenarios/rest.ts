/**
 * REST history: `GET /api/runtimes/{id}/usage?days=90` on a runtime with 90 days × 8 models of hourly data, with
 * autocannon's programmatic API from the harness process. Latency with one connection (a user's view: no
 * queueing behind other requests), requests/s with several.
 */
import autocannon from 'autocannon';

export interface RestResult {
  rows: number;
  latency: { p50Ms: number; p99Ms: number; requests: number; non2xx: number; errors: number };
  throughput: {
    connections: number;
    requestsPerS: number;
    p99Ms: number;
    requests: number;
    non2xx: number;
    errors: number;
  };
}

async function cannon(url: string, token: string, connections: number, durationS: number, amount?: number) {
  return autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration: durationS }),
    headers: { authorization: `Bearer ${token}` },
    timeout: 10,
  });
}

export async function runRest(o: {
  baseUrl: string;
  runtimeId: string;
  memberToken: string;
  latencyS: number;
  throughputS: number;
  connections: number;
  amount?: number;
}): Promise<RestResult> {
  const url = `${o.baseUrl}/api/runtimes/${o.runtimeId}/usage?days=90`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${o.memberToken}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const rows = ((await res.json()) as unknown[]).length;
  // A short warm-up so that the first measured requests do not pay for JIT and cold caches.
  await cannon(url, o.memberToken, 1, 1, o.amount ? 5 : 50);
  const lat = await cannon(url, o.memberToken, 1, o.latencyS, o.amount);
  const thr = await cannon(url, o.memberToken, o.connections, o.throughputS, o.amount);
  return {
    rows,
    latency: {
      p50Ms: lat.latency.p50,
      p99Ms: lat.latency.p99,
      requests: lat.requests.total,
      non2xx: lat.non2xx,
      errors: lat.errors + lat.timeouts,
    },
    throughput: {
      connections: o.connections,
      requestsPerS: thr.duration > 0 ? thr.requests.total / thr.duration : 0,
      p99Ms: thr.latency.p99,
      requests: thr.requests.total,
      non2xx: thr.non2xx,
      errors: thr.errors + thr.timeouts,
    },
  };
}
