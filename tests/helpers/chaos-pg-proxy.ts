/**
 * A TCP proxy between a hub node and Postgres that can lose one COMMIT's answer on purpose: once armed, the next
 * transaction that wrote usage events has its COMMIT delivered to Postgres, Postgres's answer (the commit did
 * happen) swallowed, and the connection cut. The hub sees a connection error at COMMIT, which is the one outcome
 * a database client cannot know: it answers `unavailable`, yet the rows are stored.
 */
import net from 'node:net';

export interface CommitAnswerDropper {
  port: number;
  /** The database URL with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string;
  /** Drops the answer of the next COMMIT of a transaction that inserted usage events. */
  arm(): void;
  /** COMMIT answers dropped so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

// How a transaction that writes usage events shows on the wire: the hub calls its usage function through a named
// prepared statement (the name is in every Parse and Bind message); other writers insert directly.
const USAGE_WRITES = ['rh_write_usage', 'INSERT INTO usage_events'];
// A simple-protocol Query message: 'Q', int32 length (4 + 7), "COMMIT\0".
const COMMIT = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 11]), Buffer.from('COMMIT\0')]);

export async function startCommitAnswerDropper(target: {
  host: string;
  port: number;
}): Promise<CommitAnswerDropper> {
  const open = new Set<net.Socket>();
  let armed = false;
  let dropped = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    let wroteUsage = false;
    let swallowNextAnswer = false;
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);

    client.on('data', (chunk: Buffer) => {
      if (armed && USAGE_WRITES.some((w) => chunk.includes(w, 0, 'latin1'))) wroteUsage = true;
      if (armed && wroteUsage && chunk.includes(COMMIT)) {
        armed = false;
        swallowNextAnswer = true;
      } else if (chunk.includes(COMMIT)) wroteUsage = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (swallowNextAnswer) {
        // Postgres answered the COMMIT: it is durable. The hub never hears of it.
        dropped++;
        drop();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy did not bind');

  return {
    port: address.port,
    url(databaseUrl) {
      const u = new URL(databaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(address.port);
      return u.toString();
    },
    arm() {
      armed = true;
    },
    get dropped() {
      return dropped;
    },
    async close() {
      for (const s of open) s.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
