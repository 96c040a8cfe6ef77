/**
 * A private redis-server for one scenario (never the machine's shared one): a child process on a spare port,
 * without persistence, that a scenario can kill and start again on the same port.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type Child, freePort, spawnChild, until } from './chaos-processes';

export interface ChaosRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: no goodbye to its clients). */
  kill(): Promise<void>;
  /** Starts it again on the same port and resolves once it answers PING. */
  start(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startRedis(logDir: string, name: string): Promise<ChaosRedis> {
  const port = await freePort();
  let child: Child | undefined;
  const ping = async () => {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  };
  const start = async () => {
    child = spawnChild(
      `redis-${name}`,
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { logFile: join(logDir, `redis-${name}.log`) },
    );
    await until(`redis on ${port} answers`, ping, 15_000, 50);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (!child?.running) return;
      child.signal('SIGKILL');
      await child.exited;
    },
    start,
    ping,
    async close() {
      if (!child?.running) return;
      child.signal('SIGKILL');
      await child.exited;
    },
  };
}
