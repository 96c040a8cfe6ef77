/**
 * A seeded scale database kept for iterating on the history views (the scale scenario drops its own): creates
 * database `name`, migrates it, registers the fleet and seeds `sizes` (cumulative, like the scenario: 1M then 4M
 * more), settles it, and writes the fleet to `/tmp/<name>.json`. Drop it by hand when done.
 *
 *   npx tsx bench/scale-keep.ts <name> <size> [<size>…]
 */
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { openPostgres } from '../server/store';
import { POSTGRES_ADMIN_URL, prepareWorkspace } from './database';
import { registerFleet, seedScaleHistory } from './scale-seed';

const [name, ...sizeArgs] = process.argv.slice(2);
if (!name || !/^[a-z0-9_]+$/.test(name) || sizeArgs.length === 0) {
  throw new Error('usage: scale-keep.ts <name> <size> [<size>…]');
}
const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const u = new URL(POSTGRES_ADMIN_URL);
u.pathname = `/${name}`;
const db = openPostgres(u.toString(), 2, { statementTimeoutMs: 600_000, lockTimeoutMs: 60_000 });
const ws = await prepareWorkspace(db);
await prepareWorkspace(db);
const fleet = await registerFleet(db, ws.workspaceId);
const now = Date.now();
let seeded = 0;
for (const [i, size] of sizeArgs.map(Number).entries()) {
  const rate = await seedScaleHistory(db, fleet, { layer: `l${i}`, count: size - seeded, now }, console.log);
  console.log(`seeded to ${size} at ${Math.round(rate)} ev/s`);
  seeded = size;
}
await db.exec('VACUUM ANALYZE');
await db.exec('CHECKPOINT');
await db.close();
writeFileSync(`/tmp/${name}.json`, JSON.stringify({ url: u.toString(), ...ws, ...fleet, now }, null, 2));
console.log(`kept ${u}`);
