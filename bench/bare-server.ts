/**
 * The ingest ceiling, as its own process: a bare Socket.IO server that acks every `usage` call at once, without
 * validating it or touching a database. What the hub does on top of the transport costs the difference.
 */
import { ackOk } from '../shared';
import { startMiniServer } from './mini-server';
import { childConfig, runChild, say } from './protocol';

const config = childConfig<{ port: number; maxSeconds: number }>();

runChild(async () => {
  await startMiniServer(config.port, async (payload) =>
    ackOk({ accepted: (payload as { events?: unknown[] }).events?.length ?? 0 }),
  );
  say({ type: 'listening', port: config.port });
}, config.maxSeconds);
