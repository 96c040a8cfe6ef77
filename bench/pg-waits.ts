/**
 * What the Postgres backends of one database are doing while a load runs: samples `pg_stat_activity` every few
 * milliseconds and counts, over the samples, the backends running a statement by what they wait for — `cpu` (no
 * wait event: on a core or waiting for one), `IO:WALSync` (the commit's WAL flush), `Lock:transactionid` (a row
 * another transaction changed and has not committed yet), … A commit's wall time is split accordingly: the average
 * number of active backends in each state, divided by the commits per second, is that state's milliseconds per
 * commit. The sampler is its own connection (its own CPU: one small query per sample), so keep it off when the
 * CPU split itself is the measurement.
 */
import pg from 'pg';

export interface WaitSample {
  /** Samples taken. */
  samples: number;
  /** Wait state → backends seen active in it, summed over the samples. */
  active: Map<string, number>;
}

/** Starts sampling the active backends of `url`'s database (other than its own); `stop` returns the counts. */
export async function sampleWaits(
  url: string,
  everyMs = 2,
): Promise<{ pid: number; stop: () => Promise<WaitSample> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const [own] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const result: WaitSample = { samples: 0, active: new Map() };
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ w: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') AS w FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
           AND backend_type = 'client backend'`,
      );
      result.samples++;
      for (const { w } of rows) result.active.set(w, (result.active.get(w) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    /** The sampler's own backend (not one of the load's). */
    pid: own!.pid,
    async stop() {
      running = false;
      await loop;
      await client.end();
      return result;
    },
  };
}

/** "cpu 2.1 ms, IO:WALSync 1.3 ms, …" per commit: each state's average active backends ÷ commits per second. */
export function waitsPerCommit(w: WaitSample, commitsPerSecond: number, top = 6): string {
  if (w.samples === 0 || commitsPerSecond <= 0) return 'no samples';
  return [...w.active]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([state, n]) => `${state} ${((n / w.samples / commitsPerSecond) * 1000).toFixed(2)} ms`)
    .join(', ');
}
