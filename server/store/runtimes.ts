/**
 * Runtimes: registration from a daemon's hello, lookups scoped to a workspace, and presence
 * (online while a connection holds it; heartbeats; a sweeper any node may run).
 */
import type { HelloPayload, Runtime } from '../../shared';
import type { Sql } from './database';

interface RuntimeRow {
  id: string;
  workspace_id: string;
  daemon_id: string;
  name: string;
  runtime_mode: 'local' | 'cloud';
  provider: string;
  status: 'online' | 'offline';
  device_info: string;
  metadata: Record<string, unknown> | null;
  last_seen_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMN_NAMES = [
  'id',
  'workspace_id',
  'daemon_id',
  'name',
  'runtime_mode',
  'provider',
  'status',
  'device_info',
  'metadata',
  'last_seen_at',
  'created_at',
  'updated_at',
];
const RUNTIME_COLUMNS = COLUMN_NAMES.join(', ');
/** The same columns qualified by the alias `r`, for UPDATE … FROM statements. */
const R_COLUMNS = COLUMN_NAMES.map((c) => `r.${c}`).join(', ');

export function toRuntime(row: RuntimeRow): Runtime {
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    daemon_id: row.daemon_id,
    name: row.name,
    runtime_mode: row.runtime_mode,
    provider: row.provider,
    status: row.status,
    device_info: row.device_info,
    metadata: row.metadata ?? {},
    last_seen_at: row.last_seen_at ? row.last_seen_at.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * Upserts the runtimes a daemon announces and marks them online under `owner`; others of the daemon are left as
 * they are. Metadata left out of the hello keeps what was stored.
 */
export async function registerRuntimes(
  sql: Sql,
  workspaceId: string,
  hello: HelloPayload,
  owner: string,
): Promise<Runtime[]> {
  const rows = await sql.query<RuntimeRow>(
    `INSERT INTO runtimes AS r (workspace_id, daemon_id, device_info, status, presence_owner, last_seen_at,
       provider, name, runtime_mode, metadata)
     SELECT $1, $2, $3, 'online', $4, now(), t.provider, t.name, t.runtime_mode, coalesce(t.metadata, '{}')
     FROM unnest($5::text[], $6::text[], $7::text[], $8::jsonb[]) AS t(provider, name, runtime_mode, metadata)
     ON CONFLICT (workspace_id, daemon_id, provider) DO UPDATE SET
       name = excluded.name, runtime_mode = excluded.runtime_mode, device_info = excluded.device_info,
       metadata = CASE WHEN $9::text[] @> ARRAY[excluded.provider] THEN excluded.metadata ELSE r.metadata END,
       status = 'online', presence_owner = excluded.presence_owner, last_seen_at = now(), updated_at = now()
     RETURNING ${RUNTIME_COLUMNS}`,
    [
      workspaceId,
      hello.daemon_id,
      hello.device_info,
      owner,
      hello.runtimes.map((r) => r.provider),
      hello.runtimes.map((r) => r.name),
      hello.runtimes.map((r) => r.runtime_mode),
      hello.runtimes.map((r) => (r.metadata ? JSON.stringify(r.metadata) : null)),
      hello.runtimes.filter((r) => r.metadata).map((r) => r.provider),
    ],
  );
  return rows.map(toRuntime);
}

/**
 * How many runtimes the workspace will hold once this hello is registered. When the hello adds runtimes, it first
 * takes a per-workspace lock held to the end of the transaction, so concurrent hellos cannot pass a cap together.
 */
export async function runtimesAfterHello(tx: Sql, workspaceId: string, hello: HelloPayload): Promise<number> {
  const count = async () => {
    const [row] = await tx.query<{ existing: number; added: number }>(
      `SELECT (SELECT count(*) FROM runtimes WHERE workspace_id = $1)::int AS existing,
              (SELECT count(*) FROM unnest($3::text[]) AS p(provider)
               WHERE NOT EXISTS (SELECT 1 FROM runtimes r
                                 WHERE r.workspace_id = $1 AND r.daemon_id = $2 AND r.provider = p.provider))::int AS added`,
      [workspaceId, hello.daemon_id, hello.runtimes.map((r) => r.provider)],
    );
    return row!;
  };
  const first = await count();
  if (first.added === 0) return first.existing;
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1::text, 43))', [workspaceId]);
  const locked = await count();
  return locked.existing + locked.added;
}

export async function listRuntimes(sql: Sql, workspaceId: string): Promise<Runtime[]> {
  const rows = await sql.query<RuntimeRow>(
    `SELECT ${RUNTIME_COLUMNS} FROM runtimes WHERE workspace_id = $1 ORDER BY created_at, provider`,
    [workspaceId],
  );
  return rows.map(toRuntime);
}

/** A runtime of this workspace, or undefined (another workspace's runtime is indistinguishable from none). */
export async function getRuntime(
  sql: Sql,
  workspaceId: string,
  runtimeId: string,
): Promise<Runtime | undefined> {
  const rows = await sql.query<RuntimeRow>(
    `SELECT ${RUNTIME_COLUMNS} FROM runtimes WHERE id = $1 AND workspace_id = $2`,
    [runtimeId, workspaceId],
  );
  return rows[0] ? toRuntime(rows[0]) : undefined;
}

/** Refreshes last_seen_at of the runtimes this owner holds; returns those that had been swept offline. */
export async function heartbeat(
  sql: Sql,
  owners: { runtimeId: string; owner: string }[],
): Promise<Runtime[]> {
  if (owners.length === 0) return [];
  // A runtime swept offline while its node was stalled has no owner any more: the heartbeat reclaims it.
  const rows = await sql.query<RuntimeRow & { prev_status: string }>(
    `UPDATE runtimes r SET last_seen_at = now(), status = 'online', presence_owner = p.owner,
       updated_at = CASE WHEN p.prev_status = 'offline' THEN now() ELSE r.updated_at END
     FROM (SELECT x.id, x.status AS prev_status, h.owner FROM runtimes x
           JOIN unnest($1::uuid[], $2::text[]) AS h(id, owner) ON x.id = h.id
           WHERE x.presence_owner = h.owner OR x.presence_owner IS NULL) p
     WHERE r.id = p.id
     RETURNING ${R_COLUMNS}, p.prev_status`,
    [owners.map((o) => o.runtimeId), owners.map((o) => o.owner)],
  );
  return rows.filter((r) => r.prev_status === 'offline').map(toRuntime);
}

/** Takes a runtime offline if this owner still holds it (a daemon that moved to another node keeps it online). */
export async function releaseRuntime(
  sql: Sql,
  runtimeId: string,
  owner: string,
): Promise<Runtime | undefined> {
  const rows = await sql.query<RuntimeRow>(
    `UPDATE runtimes SET status = 'offline', presence_owner = NULL, updated_at = now()
     WHERE id = $1 AND presence_owner = $2 AND status = 'online'
     RETURNING ${RUNTIME_COLUMNS}`,
    [runtimeId, owner],
  );
  return rows[0] ? toRuntime(rows[0]) : undefined;
}

/** Marks REST-fallback runtimes seen (they are online while they keep calling). */
export async function touchRuntime(sql: Sql, runtimeId: string): Promise<Runtime | undefined> {
  const rows = await sql.query<RuntimeRow & { prev_status: string }>(
    `UPDATE runtimes r SET last_seen_at = now(), status = 'online',
       presence_owner = coalesce(r.presence_owner, 'rest'),
       updated_at = CASE WHEN p.prev_status = 'offline' THEN now() ELSE r.updated_at END
     FROM (SELECT id, status AS prev_status FROM runtimes WHERE id = $1) p
     WHERE r.id = p.id
     RETURNING ${R_COLUMNS}, p.prev_status`,
    [runtimeId],
  );
  return rows[0]?.prev_status === 'offline' ? toRuntime(rows[0]) : undefined;
}

export interface SweptRuntime {
  runtime: Runtime;
  /** Held by a socket (not the REST fallback): its node stopped heartbeating, so it may have died. */
  heldBySocket: boolean;
}

/** Marks offline every runtime not seen for `timeoutMs`: safe to run on every node at once. */
export async function sweepStale(sql: Sql, timeoutMs: number): Promise<SweptRuntime[]> {
  const rows = await sql.query<RuntimeRow & { prev_owner: string | null }>(
    `UPDATE runtimes r SET status = 'offline', presence_owner = NULL, updated_at = now()
     FROM (SELECT id, presence_owner AS prev_owner FROM runtimes
           WHERE status = 'online' AND last_seen_at < now() - $1 * interval '1 millisecond') p
     WHERE r.id = p.id AND r.status = 'online'
     RETURNING ${R_COLUMNS}, p.prev_owner`,
    [timeoutMs],
  );
  return rows.map((row) => ({
    runtime: toRuntime(row),
    heldBySocket: row.prev_owner !== null && row.prev_owner !== 'rest',
  }));
}

/** Which of these runtime ids belong to this workspace (ingest checks ownership before queueing). */
export async function runtimeWorkspace(sql: Sql, runtimeId: string): Promise<string | undefined> {
  const rows = await sql.query<{ workspace_id: string }>('SELECT workspace_id FROM runtimes WHERE id = $1', [
    runtimeId,
  ]);
  return rows[0]?.workspace_id;
}
