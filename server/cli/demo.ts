/**
 * `runtime-hub demo` (npm run demo): an embedded hub in a throwaway data folder plus simulated daemons, so a
 * newcomer sees live charts without any agent logs. Ctrl-C stops both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '../app';
import type { Config } from '../config';
import { demoFleet, seedHistory } from '../daemon/demo-history';
import { createLogger } from '../daemon/log';
import { runSimulation } from '../daemon/simulate';
import { bootstrapIfEmpty, openConfiguredDatabase } from '../store';
import { hubLogger } from './logger';

/** About a quarter: enough for the 90-day range, its comparison period and the heatmap. */
const HISTORY_DAYS = 90;
/**
 * Live turns per second over the fleet at the daily peak: a change on screen every few seconds, at about the
 * pace of the seeded history, so today does not tower over the quarter after a few minutes of demo.
 */
const LIVE_RATE = 0.3;

export async function demoCommand(config: Config): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'runtime-hub-demo-'));
  const demoConfig: Config = { ...config, DATABASE_URL: undefined, REDIS_URL: undefined, DATA_DIR: dataDir };
  const logger = await hubLogger(config.LOG_LEVEL);
  const { db, close } = await openConfiguredDatabase(demoConfig, 'serve');
  const first = (await bootstrapIfEmpty(db))!;
  const hub = await createHub({ config: demoConfig, db, logger });
  const port = await hub.listen();
  const url = `http://${config.HOST}:${port}`;
  const fleet = demoFleet();
  const seededAt = Date.now();
  const seeded = await seedHistory({ url, token: first.daemon.token, fleet, days: HISTORY_DAYS });
  logger.info({ ...seeded, ms: Date.now() - seededAt }, `seeded ${HISTORY_DAYS} days of history`);
  process.stdout.write(
    `\nRuntime Hub demo at ${url} — ${HISTORY_DAYS} days of history, simulated daemons are reporting.\n` +
      `  open the dashboard:  ${url}/#token=${first.member.token}\n  Ctrl-C stops the demo.\n\n`,
  );
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const result = await runSimulation({
    url,
    token: first.daemon.token,
    runtimes: fleet.length,
    fleet,
    rate: LIVE_RATE,
    durationS: 0,
    log: createLogger(),
    signal: stop.signal,
  });
  await hub.close();
  await close();
  rmSync(dataDir, { recursive: true, force: true });
  return result.ok || stop.signal.aborted ? 0 : 1;
}
