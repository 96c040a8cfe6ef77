/**
 * The two databases the store must run unchanged on: the machine's Postgres (a fresh database) and embedded
 * PGlite (in memory). Store suites run once per entry.
 */
import {
  createWorkspace,
  type Database,
  lockRuntimes,
  migrate,
  openEmbedded,
  openPostgres,
  registerRuntimes,
  writeUsageEvents,
} from '../../server/store';
import type { Pricer, UsageEvent } from '../../shared';
import { freshDatabase } from './postgres';

export interface DatabaseUnderTest {
  db: Database;
  close(): Promise<void>;
}

export type MigratedPostgres = DatabaseUnderTest & { url: string };

/**
 * A fresh database on the machine's Postgres, migrated (fully, or through the migration `through`) and opened with
 * at most `connections` connections; `url` opens more pools on it, `close` closes the pool and drops it.
 */
export async function migratedPostgres(connections?: number, through?: string): Promise<MigratedPostgres> {
  const fresh = await freshDatabase();
  const db = openPostgres(fresh.url, connections);
  await migrate(db, through);
  return {
    db,
    url: fresh.url,
    async close() {
      await db.close();
      await fresh.drop();
    },
  };
}

/**
 * The two databases, each opened with at most `connections` Postgres connections (a suite whose plans must be the
 * ones one connection cached asks for 1); each opener migrates fully, or only up to and including the migration
 * `through` (to test a later one).
 */
export function databaseKindsWith(
  connections?: number,
): [string, (through?: string) => Promise<DatabaseUnderTest>][] {
  return [
    [
      connections === undefined
        ? 'postgres'
        : `postgres (${connections} connection${connections === 1 ? '' : 's'})`,
      (through?: string) => migratedPostgres(connections, through),
    ],
    [
      'embedded PGlite',
      async (through?: string) => {
        const db = await openEmbedded(undefined);
        await migrate(db, through);
        return { db, close: () => db.close() };
      },
    ],
  ];
}

export const databaseKinds = databaseKindsWith();

/** The local calendar date of an instant, computed with Intl alone (independent of the code under test). */
export function intlLocalDate(instant: string | number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(instant));
}

/** A workspace holding one Claude runtime, registered the way a daemon's hello does; answers the runtime id. */
export async function workspaceWithRuntime(db: Database, workspaceName: string): Promise<string> {
  const ws = await createWorkspace(db, workspaceName);
  return claudeRuntimeIn(db, ws.id);
}

/** A new daemon's Claude runtime in the workspace, registered the way its hello does; answers the runtime id. */
export async function claudeRuntimeIn(db: Database, workspaceId: string): Promise<string> {
  const [rt] = await registerRuntimes(
    db,
    workspaceId,
    {
      daemon_id: crypto.randomUUID(),
      device_info: 'box',
      runtimes: [{ provider: 'claude', name: 'c', runtime_mode: 'local' }],
    },
    'test',
  );
  return rt!.id;
}

/** A workspace holding one daemon's Claude and Codex runtimes; answers the workspace id and the runtime ids. */
export async function workspaceWithTwoRuntimes(
  db: Database,
  workspaceName: string,
): Promise<{ workspaceId: string; runtimeIds: string[] }> {
  const ws = await createWorkspace(db, workspaceName);
  const rts = await registerRuntimes(
    db,
    ws.id,
    {
      daemon_id: crypto.randomUUID(),
      device_info: 'box',
      runtimes: [
        { provider: 'claude', name: 'c', runtime_mode: 'local' },
        { provider: 'codex', name: 'x', runtime_mode: 'local' },
      ],
    },
    'test',
  );
  return { workspaceId: ws.id, runtimeIds: rts.map((r) => r.id) };
}

/**
 * Writes one runtime's events as the hub's writer does: in one transaction, under the runtime's lock (the write
 * keeps the largest snapshot of a key sent twice). Answers what changed, as the writer publishes it.
 */
export const writeEventsOf = (db: Database, runtimeId: string, events: UsageEvent[], pricer: Pricer) =>
  db.transaction(async (tx) => {
    await lockRuntimes(tx, [runtimeId]);
    return writeUsageEvents(
      tx,
      events.map((e) => ({ ...e, runtime_id: runtimeId })),
      pricer,
    );
  });
