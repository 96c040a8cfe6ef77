/**
 * `runtime-hub serve`: open (and migrate) the database, create the first workspace on an empty one, start the
 * node, and stop gracefully on SIGTERM/SIGINT.
 */
import pino from 'pino';
import { createHub } from '../app';
import type { Config } from '../config';
import { bootstrapIfEmpty, openConfiguredDatabase } from '../store';

export async function serve(config: Config): Promise<number> {
  const logger = pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const { db, close: closeDb } = await openConfiguredDatabase(config, 'serve');
  const first = await bootstrapIfEmpty(db);
  const hub = await createHub({ config, db, logger, defaultMetrics: true });
  const port = await hub.listen();
  const shownHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  logger.info(
    { url, node: hub.nodeId, database: db.kind, fanout: config.REDIS_URL ? 'redis' : 'in-process' },
    'runtime hub listening',
  );
  if (first) {
    process.stdout.write(
      [
        '',
        `Runtime Hub is running at ${url}`,
        `First start: created workspace "default" (${first.workspace.id}). These tokens are shown once:`,
        `  open the dashboard:  ${url}/#token=${first.member.token}`,
        `  member token:        ${first.member.token}`,
        `  daemon token:        ${first.daemon.token}`,
        `  start a daemon:      npx runtime-hub daemon --url ${url} --token ${first.daemon.token}`,
        '',
      ].join('\n'),
    );
  }

  // The hub must outlive a misbehaving dependency (e.g. a Redis client promise nobody awaited).
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'draining: committing and acking queued calls, then closing');
      try {
        await hub.close();
        await closeDb();
        resolve(0);
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        resolve(1);
      }
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
