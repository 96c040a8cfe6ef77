/**
 * Listings for the admin CLI (`workspace list`, `token list`): what exists, never a secret (tokens are stored
 * only as hashes anyway, and the hash is not listed either).
 */
import type { Sql } from './database';
import type { TokenRole } from './workspaces';

export interface WorkspaceListing {
  id: string;
  name: string;
  created_at: string;
}

export interface TokenListing {
  id: string;
  workspace_id: string;
  role: TokenRole;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export async function listWorkspaces(sql: Sql): Promise<WorkspaceListing[]> {
  const rows = await sql.query<{ id: string; name: string; created_at: Date }>(
    'SELECT id, name, created_at FROM workspaces ORDER BY created_at, id',
  );
  return rows.map((r) => ({ id: r.id, name: r.name, created_at: new Date(r.created_at).toISOString() }));
}

/** Tokens of one workspace, or of all when `workspaceId` is undefined; oldest first. */
export async function listTokens(sql: Sql, workspaceId?: string): Promise<TokenListing[]> {
  const rows = await sql.query<
    Omit<TokenListing, 'created_at' | 'revoked_at'> & { created_at: Date; revoked_at: Date | null }
  >(
    `SELECT id, workspace_id, role, name, created_at, revoked_at FROM tokens
     WHERE $1::uuid IS NULL OR workspace_id = $1::uuid ORDER BY created_at, id`,
    [workspaceId ?? null],
  );
  return rows.map((r) => ({
    ...r,
    created_at: new Date(r.created_at).toISOString(),
    revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  }));
}
