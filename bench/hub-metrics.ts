/**
 * What the hub says about its own group commit (`/metrics`): commits, events per commit and commit time, as the
 * difference between two scrapes. Explains an ingest or latency number (few large commits, or many slow ones).
 */

export interface CommitStats {
  commits: number;
  itemsPerCommit: number;
  commitMs: number;
}

export interface MetricsScrape {
  batchSum: number;
  batchCount: number;
  commitSum: number;
  commitCount: number;
}

const value = (text: string, name: string): number => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

export async function scrapeMetrics(baseUrl: string): Promise<MetricsScrape> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return {
    batchSum: value(text, 'hub_ingest_batch_items_sum'),
    batchCount: value(text, 'hub_ingest_batch_items_count'),
    commitSum: value(text, 'hub_ingest_commit_seconds_sum'),
    commitCount: value(text, 'hub_ingest_commit_seconds_count'),
  };
}

export function commitStats(before: MetricsScrape, after: MetricsScrape): CommitStats {
  const commits = after.commitCount - before.commitCount;
  return {
    commits,
    itemsPerCommit: commits > 0 ? (after.batchSum - before.batchSum) / commits : 0,
    commitMs: commits > 0 ? ((after.commitSum - before.commitSum) / commits) * 1000 : 0,
  };
}
