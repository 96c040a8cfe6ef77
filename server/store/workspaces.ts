/**
 * Workspaces and their tokens. Tokens are random 256-bit secrets; only their SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './database';

export type TokenRole = 'member' | 'daemon';

export interface Workspace {
  id: string;
  name: string;
}

export interface CreatedToken {
  id: string;
  token: string;
  role: TokenRole;
  workspace_id: string;
}

export interface TokenIdentity {
  id: string;
  workspace_id: string;
  role: TokenRole;
  name: string;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export async function createWorkspace(sql: Sql, name: string): Promise<Workspace> {
  const rows = await sql.query<Workspace>('INSERT INTO workspaces (name) VALUES ($1) RETURNING id, name', [
    name,
  ]);
  return rows[0]!;
}

export async function getWorkspace(sql: Sql, id: string): Promise<Workspace | undefined> {
  const rows = await sql.query<Workspace>('SELECT id, name FROM workspaces WHERE id = $1', [id]);
  return rows[0];
}

export async function countWorkspaces(sql: Sql): Promise<number> {
  const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM workspaces');
  return rows[0]?.n ?? 0;
}

export async function createToken(
  sql: Sql,
  workspaceId: string,
  role: TokenRole,
  name = '',
): Promise<CreatedToken> {
  const token = `rh_${role === 'member' ? 'm' : 'd'}_${randomBytes(32).toString('base64url')}`;
  const rows = await sql.query<{ id: string }>(
    'INSERT INTO tokens (workspace_id, role, name, token_hash) VALUES ($1, $2, $3, $4) RETURNING id',
    [workspaceId, role, name, hashToken(token)],
  );
  return { id: rows[0]!.id, token, role, workspace_id: workspaceId };
}

/** The identity behind a token, or undefined for an unknown or revoked one. */
export async function findToken(sql: Sql, token: string): Promise<TokenIdentity | undefined> {
  const rows = await sql.query<TokenIdentity>(
    'SELECT id, workspace_id, role, name FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [hashToken(token)],
  );
  return rows[0];
}

/** Revokes a token; false when there is no such token. Revoking twice is not an error. */
export async function revokeToken(sql: Sql, tokenId: string): Promise<boolean> {
  const rows = await sql.query(
    'UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id',
    [tokenId],
  );
  return rows.length > 0;
}

/** Which of these token ids are revoked now (live sockets are checked against this). */
export async function revokedAmong(sql: Sql, tokenIds: string[]): Promise<string[]> {
  if (tokenIds.length === 0) return [];
  const rows = await sql.query<{ id: string }>(
    'SELECT id FROM tokens WHERE id = ANY($1::uuid[]) AND revoked_at IS NOT NULL',
    [tokenIds],
  );
  return rows.map((r) => r.id);
}
