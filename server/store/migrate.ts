/**
 * Applies the plain SQL files of ./migrations in name order, each once, recorded in schema_migrations, then
 * (re)creates the server-side functions generated from the code's column lists (usage-routine.ts).
 * Safe when several nodes start together: an advisory lock lets one apply while the others wait and skip.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database';
import { USAGE_ROUTINE_SQL } from './usage-routine';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_LOCK = 7_401_311;

/** Applies every pending migration, or those up to and including `through` (tests of a migration's backfill). */
export async function migrate(db: Database, through?: string): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR))
    .filter((f) => f.endsWith('.sql') && (through === undefined || f <= through))
    .sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // A migration may rewrite a large table and wait for its lock: the hub's per-statement bounds do not apply.
    await tx.exec('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0');
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.exec(await readFile(MIGRATIONS_DIR + file, 'utf8'));
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      applied.push(file);
    }
    // Not a numbered migration: its text follows the column lists in code, so every start makes sure it exists.
    await tx.exec(USAGE_ROUTINE_SQL);
  });
  return applied;
}
