/**
 * A real hub on each database the store must run on: the machine's Postgres (startTestHub) and embedded PGlite
 * (in memory, one process), for suites whose behaviour depends on the database's own transaction ids.
 */
import pino from 'pino';
import { createHub } from '../../server/app';
import { configWith } from '../../server/config';
import { type Database, migrate, openEmbedded } from '../../server/store';
import { createTestWorkspace, startTestHub, type TestWorkspace } from './hub';

export interface HubUnderTest extends TestWorkspace {
  url: string;
  db: Database;
  destroy(): Promise<void>;
}

async function embeddedHub(): Promise<HubUnderTest> {
  const db = await openEmbedded(undefined);
  await migrate(db);
  const config = configWith({ PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const hub = await createHub({ config, db, logger: pino({ level: 'silent' }) });
  const port = await hub.listen();
  const workspace = await createTestWorkspace(db);
  return {
    ...workspace,
    url: `http://127.0.0.1:${port}`,
    db,
    async destroy() {
      await hub.close();
      await db.close();
    },
  };
}

export const hubKinds: [string, () => Promise<HubUnderTest>][] = [
  ['postgres', () => startTestHub()],
  ['embedded PGlite', embeddedHub],
];
