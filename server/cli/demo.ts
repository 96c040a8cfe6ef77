/**
 * `runtime-hub demo` (npm run demo): an embedded hub in a throwaway data folder plus a simulator, so a newcomer
 * sees live charts at once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config';

export async function demoCommand(config: Config): Promise<number> {
  const dataDir = config.DATABASE_URL ? config.DATA_DIR : mkdtempSync(join(tmpdir(), 'runtime-hub-demo-'));
  process.stderr.write(`demo: not available yet (data would live in ${dataDir})\n`);
  return 1;
}
