/**
 * Opens the configured database: Postgres when DATABASE_URL is set, else the embedded one in DATA_DIR,
 * migrated and ready.
 */
import { type Database, openEmbedded, openPostgres } from './database';
import { assertEmbeddedFree, claimEmbedded } from './embedded-lock';
import { migrate } from './migrate';

export interface OpenedDatabase {
  db: Database;
  close(): Promise<void>;
}

/** `serve` claims the embedded directory; admin commands only check nobody else holds it. */
export async function openConfiguredDatabase(
  config: { DATABASE_URL?: string | undefined; DATA_DIR: string },
  mode: 'serve' | 'admin',
): Promise<OpenedDatabase> {
  if (config.DATABASE_URL) {
    const db = openPostgres(config.DATABASE_URL);
    await migrate(db);
    return { db, close: () => db.close() };
  }
  if (mode === 'admin') assertEmbeddedFree(config.DATA_DIR);
  const release = mode === 'serve' ? claimEmbedded(config.DATA_DIR) : () => {};
  try {
    const db = await openEmbedded(config.DATA_DIR);
    await migrate(db);
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
