/**
 * `runtime-hub link [--workspace <id>]`: a new member token and its dashboard link. On Postgres, or on an embedded
 * database no hub holds, it writes the token itself; while a hub holds the embedded database it asks that hub
 * (admin-channel.ts), since the database belongs to one process.
 */
import type { Config } from '../config';
import {
  assertEmbeddedFree,
  createToken,
  EmbeddedInUseError,
  getWorkspace,
  listWorkspaces,
  type Sql,
} from '../store';
import { type LinkResult, linkThroughRunningHub } from './admin-channel';
import { withDatabase } from './database';
import { UsageError } from './usage-error';

/** The address a person should open for a hub bound to `host`:`port` (all interfaces → localhost). */
export function shownUrl(host: string, port: number): string {
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
}

/** Makes the member token; without `workspace`, the only workspace there is. */
export async function createLink(sql: Sql, baseUrl: string, workspace?: string): Promise<LinkResult> {
  let workspaceId = workspace;
  if (workspaceId === undefined) {
    const all = await listWorkspaces(sql);
    if (all.length === 0)
      throw new UsageError('there is no workspace yet: run "runtime-hub workspace create <name>"');
    if (all.length > 1)
      throw new UsageError(
        `there are ${all.length} workspaces: pass --workspace <id> (see "runtime-hub workspace list")`,
      );
    workspaceId = all[0]!.id;
  } else if (!(await getWorkspace(sql, workspaceId))) throw new UsageError(`no workspace ${workspaceId}`);
  const token = await createToken(sql, workspaceId, 'member', 'link');
  return { ...token, role: 'member', link: `${baseUrl}/#token=${token.token}` };
}

export async function linkCommand(config: Config, workspace: string | undefined): Promise<LinkResult> {
  if (!config.DATABASE_URL) {
    try {
      assertEmbeddedFree(config.DATA_DIR);
    } catch (err) {
      if (err instanceof EmbeddedInUseError) return linkThroughRunningHub(config.DATA_DIR, workspace);
      throw err;
    }
  }
  return withDatabase(config, (db) => createLink(db, shownUrl(config.HOST, config.PORT), workspace));
}
