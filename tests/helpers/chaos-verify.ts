/**
 * The fault scenarios' checks against the database itself: every acknowledged event is stored, the stored rows
 * are exactly the generator's final versions (nothing lost, nothing doubled), and a dashboard's view equals the
 * database cell by cell. Prints one line of figures per scenario.
 */
import type { DaemonFleet } from './chaos-daemons';
import type { Cells } from './chaos-dashboard';
import { cellKey } from './chaos-dashboard';
import { addCounts, COUNTS, type Counts, totalOf, zeroCounts } from './chaos-ledger';
import type { ChaosPostgres } from './chaos-postgres';

export interface LedgerCheck {
  /** Distinct events generated. */
  sent: number;
  /** Versions queued (snapshots, finals, unchanged re-sends). */
  versions: number;
  /** Events whose final version was acknowledged ok:true. */
  acked: number;
  /** Events stored in Postgres. */
  inDb: number;
  /** Acknowledged events missing from Postgres, or stored smaller than acknowledged. */
  lost: string[];
  /** Events stored with other counts than their final version (or not stored at all). */
  wrong: string[];
  /** Rows of our runtimes that the generator never produced. */
  extra: number;
  /** Sums of the four counts: generated finals and Postgres. */
  expectedTotals: Counts;
  dbTotals: Counts;
  tasks: { expected: number; inDb: number; wrong: number };
  dropped: number;
  inDoubt: number;
}

interface EventRow extends Counts {
  runtime_id: string;
  id: string;
}

export async function checkLedger(pg: ChaosPostgres, fleet: DaemonFleet): Promise<LedgerCheck> {
  const runtimes = fleet.runtimeIds();
  const ids = [...new Set(runtimes.values())];
  const rows = await pg.query<EventRow>(
    `SELECT runtime_id, id, ${COUNTS.join(', ')} FROM usage_events WHERE runtime_id = ANY($1::uuid[])`,
    [ids],
  );
  const dbTotals = zeroCounts();
  for (const r of rows) {
    // pg returns bigint as a string.
    for (const k of COUNTS) r[k] = Number(r[k]);
    addCounts(dbTotals, r);
  }
  const stored = new Map(rows.map((r) => [`${r.runtime_id}|${r.id}`, r]));
  const { ledger } = fleet;
  const lost: string[] = [];
  const wrong: string[] = [];
  const expectedTotals = zeroCounts();
  let ours = 0;
  for (const [id, rec] of ledger.events) {
    const runtimeId = runtimes.get(rec.runtime);
    const row = runtimeId ? stored.get(`${runtimeId}|${id}`) : undefined;
    addCounts(expectedTotals, rec.final);
    if (row) ours++;
    if (rec.ackedTotal > 0 && (!row || totalOf(row) < rec.ackedTotal)) lost.push(id);
    if (!row || COUNTS.some((k) => row[k] !== rec.final[k])) wrong.push(id);
  }

  const taskRows = await pg.query<{ runtime_id: string; id: string; status: string }>(
    'SELECT runtime_id, id, status FROM tasks WHERE runtime_id = ANY($1::uuid[])',
    [ids],
  );
  const taskStatus = new Map(taskRows.map((t) => [`${t.runtime_id}|${t.id}`, t.status]));
  let wrongTasks = 0;
  for (const [id, { runtime, task }] of ledger.tasks)
    if (taskStatus.get(`${runtimes.get(runtime)}|${id}`) !== task.status) wrongTasks++;

  return {
    sent: ledger.events.size,
    versions: [...ledger.events.values()].reduce((n, r) => n + r.versions, 0),
    acked: ledger.ackedFinal,
    inDb: ours,
    lost,
    wrong,
    extra: rows.length - ours,
    expectedTotals,
    dbTotals,
    tasks: { expected: ledger.tasks.size, inDb: taskRows.length, wrong: wrongTasks },
    dropped: fleet.dropped(),
    inDoubt: ledger.inDoubt().length,
  };
}

/** The database's usage per (runtime, UTC date, provider, model) for a workspace: what a dashboard must show. */
export async function dbCells(pg: ChaosPostgres, workspaceId: string): Promise<Cells> {
  const rows = await pg.query<Counts & { runtime_id: string; date: string; provider: string; model: string }>(
    `SELECT e.runtime_id, to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, e.provider, e.model,
            ${COUNTS.map((c) => `sum(e.${c})::bigint AS ${c}`).join(', ')}
       FROM usage_events e JOIN runtimes r ON r.id = e.runtime_id
      WHERE r.workspace_id = $1
      GROUP BY 1, 2, 3, 4`,
    [workspaceId],
  );
  const cells: Cells = new Map();
  for (const r of rows) {
    const c = zeroCounts();
    for (const k of COUNTS) c[k] = Number(r[k]);
    cells.set(cellKey(r.runtime_id, r.date, r.provider, r.model), c);
  }
  return cells;
}

/** The final counts of the events whose first call's outcome a daemon never learned, per cell. */
export function inDoubtCells(fleet: DaemonFleet): Cells {
  const runtimes = fleet.runtimeIds();
  const cells: Cells = new Map();
  for (const rec of fleet.ledger.inDoubt()) {
    const e = rec.final;
    const key = cellKey(runtimes.get(rec.runtime) ?? '?', e.ts.slice(0, 10), e.provider, e.model);
    const c = cells.get(key) ?? zeroCounts();
    addCounts(c, e);
    cells.set(key, c);
  }
  return cells;
}

export interface CellComparison {
  equal: boolean;
  /** Sum over cells of database minus dashboard, per count (positive: the dashboard shows less). */
  deficit: Counts;
  /** Cells where the dashboard shows more than the database (never allowed). */
  surplusCells: number;
  /** Cells where the deficit exceeds what in-doubt calls can explain. */
  unexplainedCells: number;
  differingCells: number;
}

/** Compares a dashboard with the database; `doubt` bounds a deficit that lost-ack commits may explain. */
export function compareCells(dashboard: Cells, db: Cells, doubt: Cells = new Map()): CellComparison {
  const deficit = zeroCounts();
  let surplusCells = 0;
  let unexplainedCells = 0;
  let differingCells = 0;
  for (const key of new Set([...dashboard.keys(), ...db.keys()])) {
    const d = dashboard.get(key) ?? zeroCounts();
    const t = db.get(key) ?? zeroCounts();
    const allowed = doubt.get(key) ?? zeroCounts();
    let differs = false;
    let surplus = false;
    let unexplained = false;
    for (const k of COUNTS) {
      const gap = t[k] - d[k];
      deficit[k] += gap;
      if (gap !== 0) differs = true;
      if (gap < 0) surplus = true;
      if (gap > allowed[k]) unexplained = true;
    }
    if (differs) differingCells++;
    if (surplus) surplusCells++;
    if (unexplained) unexplainedCells++;
  }
  return { equal: differingCells === 0, deficit, surplusCells, unexplainedCells, differingCells };
}

/** One line of figures for the run's output. */
export function printFigures(scenario: string, figures: Record<string, unknown>): void {
  const parts = Object.entries(figures).map(
    ([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`,
  );
  console.log(`[chaos] ${scenario}: ${parts.join(' ')}`);
}

/** Runtime id → status and the node ("node id" part of presence_owner) holding it, from the database. */
export async function presence(
  pg: ChaosPostgres,
  workspaceId: string,
): Promise<Map<string, { status: string; node: string | null }>> {
  const rows = await pg.query<{ id: string; status: string; presence_owner: string | null }>(
    'SELECT id, status, presence_owner FROM runtimes WHERE workspace_id = $1',
    [workspaceId],
  );
  return new Map(
    rows.map((r) => [r.id, { status: r.status, node: r.presence_owner?.split(':')[0] ?? null }]),
  );
}
