/**
 * A TCP proxy between a hub node and Postgres that can lose one COMMIT's answer on purpose: once armed, the next
 * transaction that wrote usage events has its COMMIT delivered to Postgres, Postgres's answer (the commit did
 * happen) swallowed, and the connection cut. A usage write sent alone (no BEGIN: the statement is its own
 * transaction, committed before Postgres says it is ready) loses its answer the same way. The hub sees a connection error at COMMIT, which is the one outcome
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
/** A simple-protocol Query message: 'Q', int32 length, the text and its NUL. */
const simpleQuery = (text: string) =>
  Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 5 + text.length]), Buffer.from(`${text}\0`)]);
const COMMIT = simpleQuery('COMMIT');
const BEGIN = simpleQuery('BEGIN');
const ROLLBACK = simpleQuery('ROLLBACK');
/** ReadyForQuery ('Z', length 5): Postgres has finished the statement, its transaction committed if it was alone. */
const READY = Buffer.from([0x5a, 0, 0, 0, 5]);

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
    let inTransaction = false;
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
      if (chunk.includes(BEGIN)) inTransaction = true;
      const usage = USAGE_WRITES.some((w) => chunk.includes(w, 0, 'latin1'));
      if (armed && usage && !inTransaction) {
        armed = false;
        swallowNextAnswer = true;
      } else if (armed && usage) wroteUsage = true;
      if (armed && wroteUsage && chunk.includes(COMMIT)) {
        armed = false;
        swallowNextAnswer = true;
      } else if (chunk.includes(COMMIT)) wroteUsage = false;
      if (chunk.includes(COMMIT) || chunk.includes(ROLLBACK)) inTransaction = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (swallowNextAnswer) {
        // Until Postgres is ready again the commit may still be under way; then it is durable. The hub never hears
        // of it.
        if (!chunk.includes(READY)) return;
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
