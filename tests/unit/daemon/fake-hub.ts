/**
 * A tiny but real Socket.IO + HTTP server speaking the daemon side of the contract, with switchable failures,
 * for delivery tests (the real hub has its own integration tests).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import type { Ack } from '../../../shared/ack';
import type { ErrorCode } from '../../../shared/errors';
import type {
  HelloPayload,
  Runtime,
  Task,
  TaskPayload,
  UsageEvent,
  UsagePayload,
} from '../../../shared/schemas';

export const TOKEN = 'daemon-token';

type Call = 'hello' | 'usage' | 'task';
/** Decides the answer to a call: undefined = accept, a code = refuse, 'silent' = never ack. */
export type Policy = (call: Call, payload: unknown, n: number) => ErrorCode | 'silent' | undefined;

export interface FakeHub {
  url: string;
  port: number;
  events: Map<string, UsageEvent>;
  tasks: Map<string, Task>;
  calls: { call: Call; size: number; via: 'socket' | 'rest'; ok: boolean }[];
  hellos: HelloPayload[];
  policy: Policy;
  /** Runtime ids the hub knows (clear it to simulate a reset hub). */
  runtimes: Map<string, Runtime>;
  close(): Promise<void>;
}

/** `authDelayMs`: the socket handshake answers this late (the real hub looks the token up in its database). */
export async function startFakeHub(
  opts: { port?: number; socket?: boolean; authDelayMs?: number } = {},
): Promise<FakeHub> {
  const hub: FakeHub = {
    url: '',
    port: 0,
    events: new Map(),
    tasks: new Map(),
    calls: [],
    hellos: [],
    policy: () => undefined,
    runtimes: new Map(),
    close: async () => {},
  };
  const counts: Record<Call, number> = { hello: 0, usage: 0, task: 0 };

  function handle(call: Call, payload: unknown, via: 'socket' | 'rest'): Ack<unknown> | 'silent' {
    const n = ++counts[call];
    const verdict = hub.policy(call, payload, n);
    const size =
      call === 'usage'
        ? (payload as UsagePayload).events.length
        : call === 'task'
          ? (payload as TaskPayload).tasks.length
          : 1;
    if (verdict === 'silent') return 'silent';
    if (verdict) {
      hub.calls.push({ call, size, via, ok: false });
      return { ok: false, error: { code: verdict, message: verdict } };
    }
    if (call === 'hello') {
      const p = payload as HelloPayload;
      hub.hellos.push(p);
      const now = new Date().toISOString();
      const runtimes = p.runtimes.map((r) => {
        const key = `${p.daemon_id}:${r.provider}`;
        const existing = hub.runtimes.get(key);
        const rt: Runtime = existing ?? {
          id: randomUUID(),
          workspace_id: randomUUID(),
          daemon_id: p.daemon_id,
          name: r.name,
          runtime_mode: r.runtime_mode,
          provider: r.provider,
          status: 'online',
          device_info: p.device_info,
          metadata: r.metadata ?? {},
          last_seen_at: now,
          created_at: now,
          updated_at: now,
        };
        hub.runtimes.set(key, rt);
        return rt;
      });
      hub.calls.push({ call, size, via, ok: true });
      return { ok: true, data: { runtimes } };
    }
    const known = [...hub.runtimes.values()].some((r) => r.id === (payload as UsagePayload).runtime_id);
    if (!known) {
      hub.calls.push({ call, size, via, ok: false });
      return { ok: false, error: { code: 'not_found', message: 'runtime not found' } };
    }
    hub.calls.push({ call, size, via, ok: true });
    if (call === 'usage') {
      for (const e of (payload as UsagePayload).events) {
        const old = hub.events.get(e.id);
        const total = (x: UsageEvent) =>
          x.input_tokens + x.output_tokens + x.cache_read_tokens + x.cache_write_tokens;
        if (!old || total(e) > total(old)) hub.events.set(e.id, e);
      }
      return { ok: true, data: { accepted: (payload as UsagePayload).events.length } };
    }
    for (const t of (payload as TaskPayload).tasks) hub.tasks.set(t.id, t);
    return { ok: true, data: { accepted: (payload as TaskPayload).tasks.length } };
  }

  const rest = (req: IncomingMessage, res: ServerResponse) => {
    const route: Record<string, Call> = {
      '/api/daemon/hello': 'hello',
      '/api/daemon/usage': 'usage',
      '/api/daemon/tasks': 'task',
    };
    const call = req.method === 'POST' ? route[req.url ?? ''] : undefined;
    if (!call) return; // socket.io's own paths, or nothing
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":"unauthorized","code":"unauthorized"}');
      return;
    }
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const ack = handle(call, JSON.parse(body), 'rest');
      if (ack === 'silent') return;
      if (ack.ok) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ack.data));
      else {
        const status =
          { not_found: 404, invalid_payload: 400, unavailable: 503 }[ack.error.code as string] ?? 500;
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: ack.error.message, code: ack.error.code }));
      }
    });
  };

  const http: Server = createServer((req, res) => {
    rest(req, res);
    if (!res.writableEnded && !req.url?.startsWith('/socket.io') && !req.url?.startsWith('/api/'))
      res.writeHead(404).end();
    if (opts.socket === false && req.url?.startsWith('/socket.io')) res.writeHead(404).end();
  });
  let io: IoServer | undefined;
  if (opts.socket !== false) {
    io = new IoServer(http, { transports: ['websocket'] });
    const nsp = io.of('/daemon');
    nsp.use((socket, next) => {
      const answer = () => (socket.handshake.auth.token === TOKEN ? next() : next(new Error('unauthorized')));
      if (opts.authDelayMs) setTimeout(answer, opts.authDelayMs);
      else answer();
    });
    nsp.on('connection', (socket) => {
      for (const call of ['hello', 'usage', 'task'] as const) {
        socket.on(call, (payload: unknown, ack: (a: unknown) => void) => {
          const answer = handle(call, payload, 'socket');
          if (answer !== 'silent') ack(answer);
        });
      }
    });
  }
  await new Promise<void>((r) => http.listen(opts.port ?? 0, '127.0.0.1', r));
  hub.port = (http.address() as AddressInfo).port;
  hub.url = `http://127.0.0.1:${hub.port}`;
  hub.close = async () => {
    io?.disconnectSockets(true);
    await new Promise<void>((r) => {
      if (io) io.close(() => r());
      else http.close(() => r());
      http.closeAllConnections();
    });
  };
  return hub;
}
