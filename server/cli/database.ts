/** Opens the configured database for one admin command and closes it after, whatever happens. */
import type { Config } from '../config';
import { type Database, openConfiguredDatabase } from '../store';

export async function withDatabase<T>(
  config: Config,
  run: (db: Database) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const { db, close } = await openConfiguredDatabase(config, 'admin', options);
  try {
    return await run(db);
  } finally {
    await close();
  }
}
