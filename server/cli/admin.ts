/**
 * Admin commands on the database directly: migrate, workspace create, token create, token revoke.
 * Each prints one JSON object on stdout.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../config';
import {
  createToken,
  createWorkspace,
  getWorkspace,
  migrate,
  openConfiguredDatabase,
  revokeToken,
} from '../store';
import { UsageError } from './usage-error';

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function withDatabase<T>(
  config: Config,
  run: (db: Awaited<ReturnType<typeof openConfiguredDatabase>>['db']) => Promise<T>,
) {
  const { db, close } = await openConfiguredDatabase(config, 'admin');
  try {
    return await run(db);
  } finally {
    await close();
  }
}

export async function migrateCommand(config: Config): Promise<number> {
  // openConfiguredDatabase migrates; a second call reports nothing left to apply.
  await withDatabase(config, async (db) => print({ applied: await migrate(db) }));
  return 0;
}

export async function workspaceCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create' || rest.length !== 1)
    throw new UsageError('usage: runtime-hub workspace create <name>');
  const name = z.string().trim().min(1).max(200).safeParse(rest[0]);
  if (!name.success) throw new UsageError('workspace name must be 1–200 characters');
  await withDatabase(config, async (db) => print(await createWorkspace(db, name.data)));
  return 0;
}

export async function tokenCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { workspace: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
      strict: true,
    });
    const workspaceId = z.uuid().safeParse(values.workspace);
    const role = z.enum(['member', 'daemon']).safeParse(values.role);
    if (!workspaceId.success || !role.success) {
      throw new UsageError(
        'usage: runtime-hub token create --workspace <id> --role member|daemon [--name <label>]',
      );
    }
    return withDatabase(config, async (db) => {
      if (!(await getWorkspace(db, workspaceId.data)))
        throw new UsageError(`no workspace ${workspaceId.data}`);
      print(await createToken(db, workspaceId.data, role.data, values.name ?? ''));
      return 0;
    });
  }
  if (sub === 'revoke' && rest.length === 1) {
    const id = z.uuid().safeParse(rest[0]);
    if (!id.success) throw new UsageError('token id must be a uuid');
    return withDatabase(config, async (db) => {
      if (!(await revokeToken(db, id.data))) throw new UsageError(`no token ${id.data}`);
      print({ id: id.data, revoked: true });
      return 0;
    });
  }
  throw new UsageError(
    'usage: runtime-hub token create --workspace <id> --role member|daemon [--name <label>] | token revoke <token-id>',
  );
}
