/**
 * The embedded database belongs to one process. `serve` takes a pid file in DATA_DIR; admin commands refuse
 * to open a directory whose owner is still alive, with a message that says what to do.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'hub.pid';

function ownerAlive(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export class EmbeddedInUseError extends Error {}

export function assertEmbeddedFree(dataDir: string): void {
  const pid = ownerAlive(dataDir);
  if (pid) {
    throw new EmbeddedInUseError(
      `the embedded database in ${dataDir} is in use by a running hub (pid ${pid}); stop it first, or point DATABASE_URL at a Postgres server shared by both`,
    );
  }
}

/** Claims DATA_DIR for this process; returns the release function. */
export function claimEmbedded(dataDir: string): () => void {
  assertEmbeddedFree(dataDir);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, LOCK_FILE), String(process.pid));
  return () => rmSync(join(dataDir, LOCK_FILE), { force: true });
}
