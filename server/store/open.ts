/**
 * Opens the configured database: Postgres when DATABASE_URL is set, else the embedded one in DATA_DIR,
 * migrated and ready (unless `migrate: false`, for the `migrate` command that reports what it applies).
 */
import { type Database, DEFAULT_TIMEOUTS, openEmbedded, openPostgres } from './database';
import { assertEmbeddedFree, claimEmbedded } from './embedded-lock';
import { migrate } from './migrate';

export interface OpenedDatabase {
  db: Database;
  close(): Promise<void>;
}

/** `serve` claims the embedded directory; admin commands only check nobody else holds it. */
export async function openConfiguredDatabase(
  config: {
    DATABASE_URL?: string | undefined;
    DATA_DIR: string;
    DB_STATEMENT_TIMEOUT_MS?: number;
    DB_LOCK_TIMEOUT_MS?: number;
  },
  mode: 'serve' | 'admin',
  { migrate: migrateOnOpen = true }: { migrate?: boolean } = {},
): Promise<OpenedDatabase> {
  if (config.DATABASE_URL) {
    const db = openPostgres(config.DATABASE_URL, undefined, {
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.statementTimeoutMs,
      lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.lockTimeoutMs,
    });
    if (migrateOnOpen) await migrate(db);
    return { db, close: () => db.close() };
  }
  if (mode === 'admin') assertEmbeddedFree(config.DATA_DIR);
  const release = mode === 'serve' ? claimEmbedded(config.DATA_DIR) : () => {};
  try {
    const db = await openEmbedded(config.DATA_DIR);
    if (migrateOnOpen) await migrate(db);
    return {
      db,
      async close() {
        await db.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
