/**
 * The skeleton the two comparison servers share: an HTTP server with Socket.IO configured as the hub's
 * (websocket, same buffer limit, no client bundle) and a `/daemon` namespace that answers `hello` with made-up
 * runtimes and hands `usage` calls to the server's own handler. No authentication, no rate limit.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { type Ack, ackError } from '../shared';

export type UsageHandler = (payload: unknown) => Promise<Ack<{ accepted: number }>>;

export async function startMiniServer(port: number, usage: UsageHandler): Promise<() => Promise<void>> {
  const http = createServer();
  const io = new Server(http, { maxHttpBufferSize: 4 * 1_048_576, serveClient: false });
  io.of('/daemon').on('connection', (socket) => {
    socket.on(
      'hello',
      (payload: { daemon_id?: string; runtimes?: { provider: string; name: string }[] }, ack) => {
        const now = new Date().toISOString();
        ack({
          ok: true,
          data: {
            runtimes: (payload.runtimes ?? []).map((r) => ({
              id: crypto.randomUUID(),
              workspace_id: crypto.randomUUID(),
              daemon_id: payload.daemon_id,
              name: r.name,
              runtime_mode: 'local',
              provider: r.provider,
              status: 'online',
              device_info: '',
              metadata: {},
              last_seen_at: now,
              created_at: now,
              updated_at: now,
            })),
          },
        });
      },
    );
    socket.on('usage', (payload: unknown, ack: (a: Ack<unknown>) => void) => {
      usage(payload).then(ack, (err: unknown) => ack(ackError('internal', String(err))));
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return () =>
    new Promise<void>((resolve) => {
      io.close();
      http.close(() => resolve());
    });
}
