/**
 * `runtime-hub serve`: open (and migrate) the database, create the first workspace on an empty one, start the
 * node, print where it serves (every start), and stop gracefully on SIGTERM/SIGINT. On the embedded database it
 * also opens the admin channel through which `runtime-hub link` makes dashboard links while it runs.
 */
import { createHub } from '../app';
import type { Config } from '../config';
import { bootstrapIfEmpty, openConfiguredDatabase } from '../store';
import { openAdminChannel } from './admin-channel';
import { createLink, shownUrl } from './link';
import { hubLogger } from './logger';

export async function serve(config: Config): Promise<number> {
  const logger = await hubLogger(config.LOG_LEVEL);
  const { db, close: closeDb } = await openConfiguredDatabase(config, 'serve');
  const first = await bootstrapIfEmpty(db);
  const hub = await createHub({ config, db, logger, defaultMetrics: true });
  const port = await hub.listen();
  const url = shownUrl(config.HOST, port);
  const closeChannel = config.DATABASE_URL
    ? async () => {}
    : await openAdminChannel(config.DATA_DIR, (request) => createLink(db, url, request.workspace));
  logger.info(
    { url, node: hub.nodeId, database: db.kind, fanout: config.REDIS_URL ? 'redis' : 'in-process' },
    'runtime hub listening',
  );
  const lines = ['', `Runtime Hub is running at ${url}`];
  if (first) {
    lines.push(
      `First start: created workspace "default" (${first.workspace.id}). These tokens are shown once:`,
      `  open the dashboard:  ${url}/#token=${first.member.token}`,
      `  member token:        ${first.member.token}`,
      `  daemon token:        ${first.daemon.token}`,
      `  start a daemon:      npx runtime-hub daemon --url ${url} --token ${first.daemon.token}`,
    );
  } else {
    lines.push(
      '  a new dashboard link:  npx runtime-hub link',
      '  a new daemon token:    npx runtime-hub token create --workspace <id> --role daemon',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  // The hub must outlive a misbehaving dependency (e.g. a Redis client promise nobody awaited).
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'draining: committing and acking queued calls, then closing');
      try {
        await closeChannel();
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
