/**
 * First start on an empty database: a workspace `default` with one member and one daemon token, so the embedded
 * mode needs no admin step. Taken under an advisory lock so two nodes starting together create it once.
 */
import type { Database } from './database';
import {
  type CreatedToken,
  countWorkspaces,
  createToken,
  createWorkspace,
  type Workspace,
} from './workspaces';

export interface Bootstrap {
  workspace: Workspace;
  member: CreatedToken;
  daemon: CreatedToken;
}

const BOOTSTRAP_LOCK = 7_401_312;

export async function bootstrapIfEmpty(db: Database): Promise<Bootstrap | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    if ((await countWorkspaces(tx)) > 0) return undefined;
    const workspace = await createWorkspace(tx, 'default');
    const member = await createToken(tx, workspace.id, 'member', 'first start');
    const daemon = await createToken(tx, workspace.id, 'daemon', 'first start');
    return { workspace, member, daemon };
  });
}
