/**
 * Socket.IO client connections for the load generators: websocket only, no reconnection (a lost connection is
 * a result, not something to hide), opened many at a time with a bound on how many handshakes are in flight.
 */
import { io, type Socket } from 'socket.io-client';

export function connectSocket(url: string, token: string, timeoutMs: number): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error) => {
      socket.close();
      reject(err);
    });
  });
}

export interface Opened<T> {
  opened: T[];
  failed: number;
  /** Failures by message. */
  errors: Record<string, number>;
}

/** Opens `count` things with at most `concurrency` opening at once. */
export async function openMany<T>(
  count: number,
  concurrency: number,
  open: (i: number) => Promise<T>,
): Promise<Opened<T>> {
  const opened: T[] = [];
  const errors: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        opened.push(await open(i));
      } catch (err) {
        failed++;
        const key = err instanceof Error ? err.message : String(err);
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { opened, failed, errors };
}

export const countInto = (errors: Record<string, number>, key: string) => {
  errors[key] = (errors[key] ?? 0) + 1;
};
