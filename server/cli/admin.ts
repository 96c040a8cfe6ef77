/**
 * Admin commands on the database directly: migrate, workspace create|list, token create|list|revoke, link.
 * Each prints one JSON object on stdout.
 */
import { z } from 'zod';
import type { Config } from '../config';
import {
  createToken,
  createWorkspace,
  getWorkspace,
  listTokens,
  listWorkspaces,
  migrate,
  revokeToken,
} from '../store';
import { parseFlags } from './args';
import { withDatabase } from './database';
import { linkCommand } from './link';
import { UsageError } from './usage-error';

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const WORKSPACE_USAGE = 'usage: runtime-hub workspace create <name> | workspace list';
const TOKEN_USAGE =
  'usage: runtime-hub token create --workspace <id> --role member|daemon [--name <label>] | token list [--workspace <id>] | token revoke <token-id>';

/** `--workspace`, checked to be a uuid when given. */
function workspaceFlag(value: string | undefined, required: boolean): string | undefined {
  if (value === undefined) {
    if (required) throw new UsageError('--workspace <id> is required (see "runtime-hub workspace list")');
    return undefined;
  }
  const id = z.uuid().safeParse(value);
  if (!id.success) throw new UsageError(`--workspace must be a workspace id (a uuid), not "${value}"`);
  return id.data;
}

export async function migrateCommand(config: Config, args: string[]): Promise<number> {
  parseFlags('migrate', args, {});
  // Opened unmigrated, so that what this command applies is what it reports.
  await withDatabase(config, async (db) => print({ applied: await migrate(db) }), { migrate: false });
  return 0;
}

export async function workspaceCommand(config: Config, args: string[]): Promise<number> {
  const { positionals } = parseFlags('workspace', args, {}, true);
  const [sub, ...rest] = positionals;
  if (sub === 'list' && rest.length === 0) {
    await withDatabase(config, async (db) => print({ workspaces: await listWorkspaces(db) }));
    return 0;
  }
  if (sub !== 'create' || rest.length !== 1) throw new UsageError(WORKSPACE_USAGE);
  const name = z.string().trim().min(1).max(200).safeParse(rest[0]);
  if (!name.success) throw new UsageError('workspace name must be 1–200 characters');
  await withDatabase(config, async (db) => print(await createWorkspace(db, name.data)));
  return 0;
}

export async function tokenCommand(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    'token',
    args,
    { workspace: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    true,
  );
  const [sub, ...rest] = positionals;
  if (sub === 'create' && rest.length === 0) {
    const workspaceId = workspaceFlag(values.workspace, true)!;
    const role = z.enum(['member', 'daemon']).safeParse(values.role);
    if (!role.success)
      throw new UsageError(
        `--role must be member (opens the dashboard) or daemon (reports usage)${values.role === undefined ? '' : `, not "${values.role}"`}`,
      );
    return withDatabase(config, async (db) => {
      if (!(await getWorkspace(db, workspaceId))) throw new UsageError(`no workspace ${workspaceId}`);
      print(await createToken(db, workspaceId, role.data, values.name ?? ''));
      return 0;
    });
  }
  if (sub === 'list' && rest.length === 0) {
    const workspaceId = workspaceFlag(values.workspace, false);
    await withDatabase(config, async (db) => print({ tokens: await listTokens(db, workspaceId) }));
    return 0;
  }
  if (sub === 'revoke' && rest.length === 1) {
    const id = z.uuid().safeParse(rest[0]);
    if (!id.success) throw new UsageError('token id must be a uuid (see "runtime-hub token list")');
    return withDatabase(config, async (db) => {
      if (!(await revokeToken(db, id.data))) throw new UsageError(`no token ${id.data}`);
      print({ id: id.data, revoked: true });
      return 0;
    });
  }
  throw new UsageError(TOKEN_USAGE);
}

export async function linkCommandLine(config: Config, args: string[]): Promise<number> {
  const { values } = parseFlags('link', args, { workspace: { type: 'string' } });
  print(await linkCommand(config, workspaceFlag(values.workspace, false)));
  return 0;
}
